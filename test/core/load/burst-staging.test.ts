import { describe, expect, it } from 'vitest';
import { HttpTransportError } from '../../../lib/core/errors.ts';
import { BURST_STAGE_MS, runBurst } from '../../../lib/core/load/burst.ts';
import type { HttpRequest, HttpResponse, StagedRequest } from '../../../lib/core/ports.ts';
import type { BurstUnit } from '../../../lib/core/units.ts';
import { customPlan, engineHarness, runToEnd, type Harness } from '../../helpers/engine-harness.ts';

/** What the staging fake saw: when each request was staged, released or cancelled (fake time). */
interface StagingLog {
  readonly staged: string[];
  readonly released: string[];
  readonly cancelled: string[];
}

/**
 * A burst of `count` one-claim lifecycles over a scripted client that can stage: it stages up to
 * `sockets` requests (an idle open socket each), and sends a staged one through the scripted client
 * when it is released, so the fake target sees it only then.
 */
function stagingHarness(count: number, sockets = count, failBeforeRelease = false): { h: Harness; log: StagingLog } {
  const plan = customPlan({ requests: { claim: { method: 'POST', path: '/claim?i={{index}}' } }, lifecycle: [{ request: 'claim' }], payloads: { count } });
  const h = engineHarness(plan, { deadline: Number.POSITIVE_INFINITY });
  h.http.on('POST', '/claim', { status: 201 });
  const log: StagingLog = { staged: [], released: [], cancelled: [] };
  let free = sockets;
  const path = (req: HttpRequest): string => new URL(req.path, 'http://x').search;
  Object.assign(h.http, {
    warm: (_origin: string, connections: number): Promise<number> => Promise.resolve(connections),
    stage: (req: HttpRequest): StagedRequest | undefined => {
      if (free === 0) return undefined;
      free--;
      log.staged.push(`${path(req)} @${h.clock.now()}`);
      let settle!: { resolve: (res: HttpResponse) => void; reject: (err: Error) => void };
      const response = new Promise<HttpResponse>((resolve, reject) => (settle = { resolve, reject }));
      if (failBeforeRelease) settle.reject(new HttpTransportError('network', 'socket closed by the target'));
      return {
        response,
        release: () => {
          log.released.push(`${path(req)} @${h.clock.now()}`);
          h.http.send(req).then(settle.resolve, settle.reject);
        },
        cancel: () => {
          log.cancelled.push(`${path(req)} @${h.clock.now()}`);
          settle.reject(new HttpTransportError('aborted', 'staged and never released'));
        },
      };
    },
  });
  return { h, log };
}

const unit = (count: number, startAt: number): BurstUnit => ({ kind: 'burst', runId: 'run-1', unitId: 'u0001', firstIndex: 0, count, startAt });

describe('Function: runBurst with a client that stages', () => {
  describe('HAPPY PATH', () => {
    it('stages every held request BURST_STAGE_MS before the start and releases them all at the start', async () => {
      // Prepare
      const { h, log } = stagingHarness(3);
      const stageAt = 1000 - BURST_STAGE_MS;

      // Act
      const running = runBurst(unit(3, 1000), h.env);
      await h.clock.advance(999);
      const sentBefore = h.http.calls.length;
      await runToEnd(h.clock, running);

      // Assess: staged at once, nothing on the wire until 1000, then all three, each a completed attempt
      expect(log.staged).toEqual([`?i=0 @${stageAt}`, `?i=1 @${stageAt}`, `?i=2 @${stageAt}`]);
      expect(sentBefore).toBe(0);
      expect(log.released).toEqual(['?i=0 @1000', '?i=1 @1000', '?i=2 @1000']);
      const result = h.recorder.result(h.clock.now());
      expect(result.starts).toEqual({ count: 3, firstAt: 1000, lastAt: 1000 });
      expect(result.lifecycles).toMatchObject({ completed: 3, failed: 0, dropped: 0 });
      expect(result.endpoints.claim?.attempts).toBe(3);
    });

    it('sends at the start, as before, the requests it had no idle socket to stage on', async () => {
      // Prepare: 4 lifecycles, 2 sockets to stage on
      const { h, log } = stagingHarness(4, 2);

      // Act
      await runToEnd(h.clock, runBurst(unit(4, 1000), h.env));

      // Assess
      expect(log.staged).toHaveLength(2);
      expect(log.released).toHaveLength(2);
      expect(h.http.calls.map((c) => `${c.path} @${c.at}`)).toEqual(['/claim?i=0 @1000', '/claim?i=1 @1000', '/claim?i=2 @1000', '/claim?i=3 @1000']);
      expect(h.recorder.result(h.clock.now()).lifecycles).toMatchObject({ completed: 4 });
    });
  });

  describe('SAD PATH', () => {
    it('cancels the staged requests unsent when stopped before the start: dropped lifecycles, no attempt, slots back', async () => {
      // Prepare
      const { h, log } = stagingHarness(3);

      // Act
      const running = runBurst(unit(3, 1000), h.env);
      await h.clock.advance(900);
      h.guard.stop('stopping');
      await runToEnd(h.clock, running);

      // Assess
      expect(log.staged).toHaveLength(3);
      expect(log.released).toEqual([]);
      expect(log.cancelled).toEqual(['?i=0 @900', '?i=1 @900', '?i=2 @900']);
      expect(h.http.calls).toEqual([]);
      const result = h.recorder.result(h.clock.now());
      expect(result.lifecycles).toMatchObject({ completed: 0, failed: 0, dropped: 3 });
      expect(result.endpoints.claim?.attempts ?? 0).toBe(0);
      expect(result.starts).toBeUndefined();
      expect(h.guard.inFlightNow).toBe(0);
    });

    it('counts a staged request the target fails before the start as an attempt, and never releases it', async () => {
      // Prepare: the plan's claim has no retry, each staged exchange fails before the release
      const { h, log } = stagingHarness(2, 2, true);

      // Act
      await runToEnd(h.clock, runBurst(unit(2, 1000), h.env));

      // Assess
      expect(log.released).toEqual([]);
      const result = h.recorder.result(h.clock.now());
      expect(result.endpoints.claim).toMatchObject({ attempts: 2, errors: { network: 2 } });
      expect(result.lifecycles).toMatchObject({ completed: 0, failed: 2 });
      expect(h.guard.inFlightNow).toBe(0);
    });
  });
});
