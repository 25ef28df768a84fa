import { describe, expect, it } from 'vitest';
import { RequestExecutor } from '../../../lib/core/engine/request-executor.ts';
import { RunGuard } from '../../../lib/core/engine/run-guard.ts';
import { BURST_REWARM_MS, BURST_STAGE_MS, runBurst } from '../../../lib/core/load/burst.ts';
import type { BurstUnit } from '../../../lib/core/units.ts';
import { BASE_URL, customPlan, engineHarness, runToEnd, type Harness } from '../../helpers/engine-harness.ts';

/** One `warm` call the fake client received: when (fake time), for which origin, how many connections. */
interface WarmCall {
  readonly at: number;
  readonly origin: string;
  readonly connections: number;
  readonly signal: AbortSignal | undefined;
}

/** A burst of `count` one-claim lifecycles; the scripted client also records `warm` calls. */
function harness(count: number, delayMs = 0): { h: Harness; warms: WarmCall[] } {
  const plan = customPlan({ requests: { claim: { method: 'POST', path: '/claim?i={{index}}' } }, lifecycle: [{ request: 'claim' }], payloads: { count } });
  const h = engineHarness(plan, { deadline: Number.POSITIVE_INFINITY });
  h.http.on('POST', '/claim', { status: 201, delayMs });
  const warms: WarmCall[] = [];
  Object.assign(h.http, {
    warm: (origin: string, connections: number, signal?: AbortSignal): Promise<number> => {
      warms.push({ at: h.clock.now(), origin, connections, signal });
      return Promise.resolve(connections);
    },
  });
  return { h, warms };
}

const unit = (count: number, startAt: number): BurstUnit => ({ kind: 'burst', runId: 'run-1', unitId: 'u0001', firstIndex: 0, count, startAt });

describe('Function: runBurst', () => {
  describe('HAPPY PATH', () => {
    it('has the client open one connection per held request before the start, and sends nothing until then', async () => {
      // Prepare
      const { h, warms } = harness(5);

      // Act
      const running = runBurst(unit(5, 500), h.env);
      await h.clock.advance(499);
      const before = h.http.calls.length;
      await runToEnd(h.clock, running);

      // Assess: warmed at the unit's start for the plan's origin, every request at 500
      expect(warms.map(({ at, origin, connections }) => ({ at, origin, connections }))).toEqual([{ at: 0, origin: BASE_URL, connections: 5 }]);
      expect(before).toBe(0);
      expect(h.http.calls.map((c) => c.at)).toEqual([500, 500, 500, 500, 500]);
      expect(h.recorder.result(h.clock.now()).starts).toEqual({ count: 5, firstAt: 500, lastAt: 500 });
    });

    it('checks the connections once more shortly before a distant start', async () => {
      // Prepare
      const { h, warms } = harness(3);

      // Act
      await runToEnd(h.clock, runBurst(unit(3, 5000), h.env));

      // Assess: at the unit's start, and BURST_REWARM_MS before the release (late arrivals, closed sockets)
      expect(warms.map((w) => [w.at, w.connections])).toEqual([[0, 3], [5000 - BURST_REWARM_MS, 3]]);
      expect(h.http.calls.every((c) => c.at === 5000)).toBe(true);
    });

    it('counts the requests held by every slice running in the process: they share the client\'s sockets', async () => {
      // Prepare: two slices of one burst (3 + 2 lifecycles) in one process
      const { h, warms } = harness(5);
      const second: BurstUnit = { ...unit(2, 5000), unitId: 'u0002', firstIndex: 3 };

      // Act
      await runToEnd(h.clock, Promise.all([runBurst(unit(3, 5000), h.env), runBurst(second, h.env)]));

      // Assess: the second slice asks for 5 (its 2 beside the first's 3), and both do at the re-check
      expect(warms.map((w) => [w.at, w.connections])).toEqual([[0, 3], [0, 5], [4000, 5], [4000, 5]]);
      expect(h.http.calls).toHaveLength(5);
    });

    it('ends the warm-up when the held requests are staged, BURST_STAGE_MS before the start: the signal it gave the client aborts then', async () => {
      // Prepare
      const { h, warms } = harness(2);
      const running = runBurst(unit(2, 500), h.env);

      // Act
      await h.clock.advance(500 - BURST_STAGE_MS - 1);
      const before = warms[0]?.signal?.aborted;
      await h.clock.advance(1);
      const atStaging = warms[0]?.signal?.aborted;
      await runToEnd(h.clock, running);

      // Assess
      expect(before).toBe(false);
      expect(atStaging).toBe(true);
    });

    it('releases on time when the client cannot warm (no warm method)', async () => {
      // Prepare
      const { h } = harness(2);
      Object.assign(h.http, { warm: undefined });

      // Act
      await runToEnd(h.clock, runBurst(unit(2, 300), h.env));

      // Assess
      expect(h.http.timeline()).toEqual(['POST /claim?i=0 @300', 'POST /claim?i=1 @300']);
    });
  });

  describe('SAD PATH', () => {
    it('sends nothing and checks nothing again when stopped before the start', async () => {
      // Prepare
      const { h, warms } = harness(3);
      const running = runBurst(unit(3, 5000), h.env);

      // Act
      await h.clock.advance(1000);
      h.guard.stop('stopping');
      await runToEnd(h.clock, running);

      // Assess
      expect(warms.map((w) => w.at)).toEqual([0]);
      expect(h.http.calls).toEqual([]);
      expect(h.recorder.result(h.clock.now()).lifecycles).toMatchObject({ completed: 0, dropped: 3 });
      expect(h.recorder.result(h.clock.now()).starts).toBeUndefined();
    });

    it('drops, and does not fail, the lifecycles of a burst that begins with a poll when stopped before the start', async () => {
      // Prepare: each lifecycle's first step is a poll, held at the gate as a first request is
      const plan = customPlan({
        requests: { status: { path: '/status?i={{index}}' } },
        lifecycle: [{ poll: { request: 'status', until: { path: '$.ready', equals: true }, every: 100, maxAttempts: 3 } }],
        payloads: { count: 3 },
      });
      const h = engineHarness(plan, { deadline: Number.POSITIVE_INFINITY });
      h.http.on('GET', '/status', { status: 200, body: { ready: true } });
      const running = runBurst(unit(3, 5000), h.env);

      // Act
      await h.clock.advance(1000);
      h.guard.stop('stopping');
      await runToEnd(h.clock, running);

      // Assess
      expect(h.http.calls).toEqual([]);
      const result = h.recorder.result(h.clock.now());
      expect(result.lifecycles).toMatchObject({ completed: 0, failed: 0, dropped: 3 });
      expect(h.events.ofType('dropped').map((e) => e.reason)).toEqual(Array(3).fill('stopped: stopped before its start: not sent'));
    });

    it('records a start when its request is sent: a wait for a concurrency slot shows in the skew', async () => {
      // Prepare: 4 lifecycles, 2 in flight at most, each exchange 100 ms
      const { h } = harness(4, 100);
      const guard = new RunGuard({ maxRequests: 100, deadline: Number.POSITIVE_INFINITY, maxConcurrency: 2 });
      const executor = new RequestExecutor({ http: h.http, clock: h.clock, events: h.events, guard, breaker: false });

      // Act
      await runToEnd(h.clock, runBurst(unit(4, 500), { ...h.env, executor, stop: guard.signal }));

      // Assess: two sent at 500, two at 600 when slots freed
      expect(h.http.calls.map((c) => c.at)).toEqual([500, 500, 600, 600]);
      expect(h.recorder.result(h.clock.now()).starts).toEqual({ count: 4, firstAt: 500, lastAt: 600 });
    });
  });
});
