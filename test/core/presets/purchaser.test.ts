import { describe, expect, it } from 'vitest';
import { runRate } from '../../../lib/core/load/rate.ts';
import { loadPlan } from '../../../lib/core/plan/plan-loader.ts';
import { PlanValidationError, type PlanIssue } from '../../../lib/core/plan/source.ts';
import { planUnits } from '../../../lib/core/planner.ts';
import { PURCHASER_ITEMS } from '../../../lib/core/presets/purchaser.ts';
import { summarizeResult } from '../../../lib/core/recorder/summary.ts';
import type { RateUnit } from '../../../lib/core/units.ts';
import { engineHarness, runToEnd, type Harness } from '../../helpers/engine-harness.ts';

const CAP_REASON = 'in-flight cap reached (load.maxInFlight)';

/** A purchaser config in the preset's shape, with overrides as YAML lines. */
function config(extra = ''): string {
  return `kind: purchaser
seed: 5
target: { baseUrl: "http://127.0.0.1:8080" }
${extra}
`;
}

function issuesOf(text: string): string[] {
  try {
    loadPlan(text, 'purchaser.yaml', {});
  } catch (error) {
    if (error instanceof PlanValidationError) return error.issues.map((i: PlanIssue) => `${i.line}:${i.col} ${i.path} ${i.message}`);
    throw error;
  }
  throw new Error('expected a PlanValidationError');
}

/** One purchaser at `rate`/s for `duration`, no start jitter (times are exact), over a scripted target. */
function harness(extra: string): { h: Harness; units: RateUnit[]; planned: number } {
  const { plan } = loadPlan(config(`startJitter: false\n${extra}`), 'purchaser.yaml', {});
  const h = engineHarness(plan, { unitId: 'r0001' });
  const { units, planned } = planUnits(plan, 'run-1', h.compiled.payloads, 0);
  return { h, units: units as RateUnit[], planned: planned as number };
}

const run = (h: Harness, units: readonly RateUnit[]): Promise<unknown> => runToEnd(h.clock, Promise.all(units.map((u) => runRate(u, { ...h.env, unitId: u.unitId }))));
const lifecycles = (h: Harness) => h.recorder.result(h.clock.now()).lifecycles;

describe('Preset: purchaser', () => {
  describe('Schema: PurchaserSchema (through loadPlan)', () => {
    it.each([
      { extra: 'totalRate: 0\nduration: 10s', issue: '4:12 totalRate' },
      { extra: 'totalRate: 20000\nduration: 10s', issue: '4:12 totalRate' },
      { extra: 'totalRate: 100\nduration: 10s\npurchasers: 0', issue: '6:13 purchasers' },
      { extra: 'totalRate: 100\nduration: 10s\npurchasers: 2.5', issue: '6:13 purchasers' },
      { extra: 'totalRate: 100\nduration: 10 seconds', issue: '5:11 duration invalid duration "10 seconds"' },
      { extra: 'totalRate: 100\nduration: 0', issue: '5:11 duration must be above 0, got 0ms (a load of no time starts nothing)' },
      { extra: 'totalRate: 100\nduration: 25h', issue: '5:11 duration at most 24h, got 25h' },
      { extra: 'totalRate: 100\nduration: 10s\nmaxInFlight: 0', issue: '6:14 maxInFlight' },
      { extra: 'totalRate: 100\nduration: 10s\nitems: []', issue: '6:8 items' },
      { extra: 'totalRate: 100\nduration: 10s\nrateTolerance: lots', issue: '6:16 rateTolerance invalid ratio "lots"' },
      { extra: 'totalRate: 100\nduration: 10s\nnumGoroutines: 3', issue: '6:1 numGoroutines unknown key "numGoroutines"' },
    ])('rejects $extra with its key path ($issue)', ({ extra, issue }) => {
      // Act
      const issues = issuesOf(config(extra));

      // Assess
      expect(issues).toHaveLength(1);
      expect(issues[0]).toContain(issue);
    });

    it('rejects a non-http base URL at target.baseUrl, and a missing rate and duration, all at once', () => {
      // Act
      const issues = issuesOf('kind: purchaser\ntarget: { baseUrl: "ftp://x" }\n');

      // Assess
      expect(issues.map((i) => i.split(' ')[1])).toEqual(expect.arrayContaining(['target.baseUrl']));
      expect(issues.join('\n')).toMatch(/totalRate/);
      expect(issues.join('\n')).toMatch(/duration/);
    });
  });

  describe('Function: compilePurchaser', () => {
    it('compiles the seed\'s parameters into one never-retried purchase, a rate load and a dropped-starts expectation', () => {
      // Act
      const { plan, kind } = loadPlan(config('totalRate: 100\nduration: 10s\nmaxInFlight: 20'), 'purchaser.yaml', {});

      // Assess
      expect(kind).toBe('purchaser');
      expect(plan.name).toBe('purchaser');
      expect(plan.requests).toEqual({
        purchase: {
          method: 'POST', path: '/store/purchase', headers: {}, expect: [201], capture: {}, retry: false,
          body: { playerId: 'player-{{payload.player}}', itemId: '{{payload.itemId}}', quantity: '{{payload.quantity}}' },
        },
      });
      expect(plan.payloads.fields).toEqual({ player: { int: [0, 9999] }, itemId: { pick: [...PURCHASER_ITEMS] }, quantity: { int: [1, 5] } });
      expect(plan.lifecycle).toEqual([{ request: 'purchase' }]);
      expect(plan.load).toEqual({ model: 'rate', rate: 100, workers: 3, duration: 10_000, maxInFlight: 20, startJitter: true });
      expect(plan.target).toMatchObject({ baseUrl: 'http://127.0.0.1:8080', timeout: 30_000, maxConnections: 100, circuitBreaker: false });
      expect(plan.entity).toBeUndefined();
      expect(plan.limits).toEqual({ maxRequests: 1003, maxDuration: 70_000, maxConcurrency: 20, maxRps: 10_000, abortOnErrorRate: { above: 0.5, window: 10_000, minRequests: 20 } });
      expect(plan.expect).toEqual([{ lifecycles: 'dropped', atMost: 50 }]);
    });

    it('uses the given catalogue, players, quantity, tolerance and expectations', () => {
      // Act
      const { plan } = loadPlan(config(`totalRate: 10
duration: 1m
purchasers: 4
items: [apple, pear]
players: 50
maxQuantity: 2
rateTolerance: 1%
expect: [{ errorRate: { below: 1% } }]`), 'purchaser.yaml', {});

      // Assess
      expect(plan.payloads.fields).toEqual({ player: { int: [0, 49] }, itemId: { pick: ['apple', 'pear'] }, quantity: { int: [1, 2] } });
      expect(plan.expect).toEqual([{ errorRate: { below: 0.01 } }]);
    });

    it('splits 100/s over 3 purchasers into units of exactly [34, 33, 33]/s, numbered on from each other', () => {
      // Prepare
      const { plan } = loadPlan(config('totalRate: 100\nduration: 10s\nmaxInFlight: 20'), 'purchaser.yaml', {});
      const h = engineHarness(plan);

      // Act
      const { units, planned } = planUnits(plan, 'run-1', h.compiled.payloads, 1000);
      const rate = units as RateUnit[];

      // Assess
      expect(rate.map((u) => u.ratePerSec)).toEqual([34, 33, 33]);
      expect(rate.map((u) => u.count)).toEqual([340, 330, 330]);
      expect(planned).toBe(1000);
      expect(rate.map((u) => u.firstIndex)).toEqual([0, 340, 670]);
      expect(rate.map((u) => u.maxInFlight)).toEqual([7, 7, 6]);
      // seeded start jitter: below one interval, different per purchaser, the same on every planning
      for (const u of rate) expect(u.jitterMs).toBeLessThan(u.intervalMs);
      expect(new Set(rate.map((u) => u.jitterMs)).size).toBe(3);
      expect(planUnits(plan, 'run-2', h.compiled.payloads, 1000).units).toEqual(rate.map((u) => ({ ...u, runId: 'run-2' })));
    });
  });

  describe('Engine: the compiled plan on a FakeClock', () => {
    it('makes exactly rate x window purchases at the exact intended times 0, 20, 40, ... ms', async () => {
      // Prepare: 50/s for 2 s
      const { h, units, planned } = harness('purchasers: 1\ntotalRate: 50\nduration: 2s');
      h.http.on('POST', '/store/purchase', { status: 201, body: {} });

      // Act
      await run(h, units);

      // Assess
      expect(planned).toBe(100);
      expect(h.http.timeline()).toEqual(Array.from({ length: 100 }, (_, k) => `POST /store/purchase @${k * 20}`));
      expect(lifecycles(h)).toEqual({ completed: 100, failed: 0, dropped: 0, reasons: {} });
    });

    it('sends seeded, valid purchase bodies (quantity as a number), the same for the same seed', async () => {
      // Prepare
      const bodiesOf = async (): Promise<unknown[]> => {
        const { h, units } = harness('purchasers: 1\ntotalRate: 50\nduration: 1s');
        h.http.on('POST', '/store/purchase', { status: 201, body: {} });
        await run(h, units);
        return h.http.bodiesOf('POST', '/store/purchase');
      };

      // Act
      const [first, again] = [await bodiesOf(), await bodiesOf()];

      // Assess
      expect(first).toHaveLength(50);
      for (const body of first as Array<{ playerId: string; itemId: string; quantity: number }>) {
        expect(Object.keys(body)).toEqual(['playerId', 'itemId', 'quantity']);
        expect(body.playerId).toMatch(/^player-(0|[1-9]\d{0,3})$/);
        expect(PURCHASER_ITEMS).toContain(body.itemId);
        expect(Number.isInteger(body.quantity) && body.quantity >= 1 && body.quantity <= 5).toBe(true);
      }
      expect(new Set(first.map((b) => JSON.stringify(b))).size).toBeGreaterThan(40);
      expect(again).toEqual(first);
    });

    it('drops starts beyond maxInFlight when the target never answers: exactly 5 sent, 95 dropped and counted', async () => {
      // Prepare: the target holds every purchase for an hour, far past the 2 s run
      const { h, units, planned } = harness('purchasers: 1\ntotalRate: 50\nduration: 2s\nmaxInFlight: 5');
      h.http.on('POST', '/store/purchase', { status: 201, body: {}, delayMs: 3_600_000 });

      // Act
      await run(h, units);

      // Assess
      expect(h.http.timeline()).toEqual([0, 20, 40, 60, 80].map((t) => `POST /store/purchase @${t}`));
      const outcome = lifecycles(h);
      expect(outcome).toEqual({ completed: 5, failed: 0, dropped: 95, reasons: { [CAP_REASON]: 95 } });
      expect(outcome.completed + outcome.failed + outcome.dropped).toBe(planned);
      expect(h.events.ofType('dropped')).toHaveLength(95);
    });

    it('measures latency from the intended start: a late worker\'s catch-up starts carry the lag', async () => {
      // Prepare: every purchase takes 50 ms; the worker only gets going at t = 35 ms (starts due at 0 and 20 are late)
      const { h, units } = harness('purchasers: 1\ntotalRate: 50\nduration: 200ms');
      h.http.on('POST', '/store/purchase', { status: 201, body: {}, delayMs: 50 });
      await h.clock.advance(35);

      // Act
      await run(h, units);

      // Assess: both late starts are sent at once at 35, then the schedule goes on at 40, 60, ...
      expect(h.http.calls.map((c) => c.at)).toEqual([35, 35, 40, 60, 80, 100, 120, 140, 160, 180]);
      const latencies = h.events.ofType('request').map((e) => e.latencyMs);
      expect(latencies).toEqual([85, 65, 50, 50, 50, 50, 50, 50, 50, 50]);
      const summary = summarizeResult(h.recorder.result(h.clock.now()));
      // (the histogram keeps 3 significant digits)
      expect(summary.endpoints.purchase?.latencyMs.max).toBeCloseTo(85, 0);
      expect(summary.endpoints.purchase?.latencyMs.min).toBeCloseTo(50, 0);
    });

    it('records a 503 and goes on: no retry, no circuit breaker, every later purchase still sent on time', async () => {
      // Prepare: the first 25 purchases fail (more than a default breaker's 20), then the target recovers
      const { h, units } = harness('purchasers: 1\ntotalRate: 50\nduration: 1s');
      h.http.on('POST', '/store/purchase', (_req, call) => (call <= 25 ? { status: 503, body: { error: 'injected fault' } } : { status: 201, body: {} }));

      // Act
      await run(h, units);

      // Assess
      expect(h.http.calls.map((c) => c.at)).toEqual(Array.from({ length: 50 }, (_, k) => k * 20));
      expect(lifecycles(h)).toEqual({ completed: 25, failed: 25, dropped: 0, reasons: { 'purchase: http5xx 503': 25 } });
      const purchase = summarizeResult(h.recorder.result(h.clock.now())).endpoints.purchase;
      expect(purchase).toMatchObject({ attempts: 50, ok: 25, retries: 0, errors: { http5xx: 25 }, statusCodes: { '201': 25, '503': 25 } });
    });

    it('stops cleanly on a stop: no purchase after it, the rest dropped with the reason', async () => {
      // Prepare
      const { h, units, planned } = harness('purchasers: 2\ntotalRate: 100\nduration: 2s');
      h.http.on('POST', '/store/purchase', { status: 201, body: {} });
      const done = Promise.all(units.map((u) => runRate(u, { ...h.env, unitId: u.unitId })));

      // Act: stop at t = 500 ms
      await h.clock.advance(500);
      h.guard.stop('interrupted (SIGINT)');
      await runToEnd(h.clock, done);

      // Assess
      const sent = h.http.calls.length;
      expect(h.http.calls.every((c) => c.at <= 500)).toBe(true);
      expect(sent).toBe(52);
      expect(lifecycles(h)).toEqual({ completed: sent, failed: 0, dropped: planned - sent, reasons: { 'stopped: interrupted (SIGINT)': planned - sent } });
    });
  });
});
