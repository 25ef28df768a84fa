import { describe, expect, it } from 'vitest';
import { runRate } from '../../../lib/core/load/rate.ts';
import type { Clock } from '../../../lib/core/ports.ts';
import type { RateUnit } from '../../../lib/core/units.ts';
import { RequestExecutor } from '../../../lib/core/engine/request-executor.ts';
import { BASE_URL, customPlan, engineHarness, FailingEvents, runToEnd, type Harness } from '../../helpers/engine-harness.ts';
import type { FakeClock } from '../../helpers/fake-clock.ts';

const CAP = 'in-flight cap reached (load.maxInFlight)';

/** One ping per lifecycle, answered after `delayMs` of fake time; each call carries its lifecycle index. */
function pingHarness(delayMs: number, count = 100): Harness {
  const plan = customPlan({ requests: { ping: { path: '/ping?i={{index}}' } }, lifecycle: [{ request: 'ping' }], payloads: { count } });
  const h = engineHarness(plan, { deadline: Number.POSITIVE_INFINITY });
  h.http.on('GET', '/ping', { status: 200, delayMs });
  return h;
}

const rateUnit = (parts: Partial<RateUnit> = {}): RateUnit => ({
  kind: 'rate', runId: 'run-1', unitId: 'r0001', worker: 0, ratePerSec: 10, startAt: 0, jitterMs: 0, intervalMs: 100, firstIndex: 0, count: 6, maxInFlight: 100, ...parts,
});

/** A `FakeClock` whose sleeps end `lateMs` after they should (a loaded machine's late timers). */
class LateClock implements Clock {
  constructor(private readonly clock: FakeClock, private readonly lateMs: number) {}
  now(): number {
    return this.clock.now();
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.clock.sleep(ms + this.lateMs, signal);
  }
}


describe('Function: runRate', () => {
  it('has the client open maxInFlight connections to the target before the first start, and stops that at the start', async () => {
    // Prepare: a client that records its warm calls; an executor that knows the plan's baseUrl
    const h = pingHarness(40);
    const warms: Array<{ at: number; origin: string; connections: number; signal: AbortSignal | undefined }> = [];
    Object.assign(h.http, {
      warm: (origin: string, connections: number, signal?: AbortSignal): Promise<number> => {
        warms.push({ at: h.clock.now(), origin, connections, signal });
        return Promise.resolve(connections);
      },
    });
    const executor = new RequestExecutor({ http: h.http, clock: h.clock, events: h.events, guard: h.guard, breaker: false, origin: BASE_URL });

    // Act
    const running = runRate(rateUnit({ startAt: 50, count: 2, maxInFlight: 7 }), { ...h.env, executor });
    await h.clock.advance(49);
    const beforeStart = warms[0]?.signal?.aborted;
    await runToEnd(h.clock, running);

    // Assess
    expect(warms.map(({ at, origin, connections }) => ({ at, origin, connections }))).toEqual([{ at: 0, origin: BASE_URL, connections: 7 }]);
    expect(beforeStart).toBe(false);
    expect(warms[0]?.signal?.aborted).toBe(true);
    expect(h.http.timeline()).toEqual(['GET /ping?i=0 @50', 'GET /ping?i=1 @150']);
  });

  it('warms nothing without a baseUrl or when warming fails, and still starts on schedule', async () => {
    // Prepare: the harness executor has no baseUrl; a second one has one, but a client whose warm rejects
    const h = pingHarness(10);
    let warmCalls = 0;
    Object.assign(h.http, {
      warm: (): Promise<number> => {
        warmCalls++;
        return Promise.reject(new Error('cannot warm'));
      },
    });
    const failing = new RequestExecutor({ http: h.http, clock: h.clock, events: h.events, guard: h.guard, breaker: false, origin: BASE_URL });

    // Act
    await runToEnd(h.clock, runRate(rateUnit({ startAt: 50, count: 1 }), h.env));
    const withoutBaseUrl = warmCalls;
    const warmed = await failing.warmTarget(5);
    await runToEnd(h.clock, runRate(rateUnit({ startAt: h.clock.now() + 50, firstIndex: 1, count: 1 }), { ...h.env, executor: failing }));

    // Assess
    expect(withoutBaseUrl).toBe(0);
    expect(warmed).toBe(0);
    expect(warmCalls).toBe(2);
    expect(h.http.timeline()).toEqual(['GET /ping?i=0 @50', `GET /ping?i=1 @${50 + 10 + 50}`]);
  });

  it('starts each lifecycle at its intended instant and measures its latency from there', async () => {
    // Prepare
    const h = pingHarness(40);

    // Act
    const left = await runToEnd(h.clock, runRate(rateUnit({ startAt: 1000, jitterMs: 30, firstIndex: 20, count: 5 }), h.env));

    // Assess
    expect(left).toEqual({ parked: [], next: undefined });
    expect(h.http.timeline()).toEqual(['GET /ping?i=20 @1030', 'GET /ping?i=21 @1130', 'GET /ping?i=22 @1230', 'GET /ping?i=23 @1330', 'GET /ping?i=24 @1430']);
    expect(h.events.ofType('request').map((e) => [e.index, e.at, e.latencyMs])).toEqual([[20, 1070, 40], [21, 1170, 40], [22, 1270, 40], [23, 1370, 40], [24, 1470, 40]]);
    expect(h.recorder.result(0).lifecycles).toEqual({ completed: 5, failed: 0, dropped: 0, reasons: {} });
  });

  it('catches up after a late wake-up: every start that fell due goes at once, each timed from its own intended start', async () => {
    // Prepare: every sleep ends 250 ms late, so the starts due at 100, 200 and 300 all go at 350
    const h = pingHarness(10);
    const env = { ...h.env, clock: new LateClock(h.clock, 250) };

    // Act
    await runToEnd(h.clock, runRate(rateUnit({ count: 4 }), env));

    // Assess
    expect(h.http.timeline()).toEqual(['GET /ping?i=0 @0', 'GET /ping?i=1 @350', 'GET /ping?i=2 @350', 'GET /ping?i=3 @350']);
    expect(h.events.ofType('request').map((e) => [e.index, e.latencyMs])).toEqual([[0, 10], [1, 260], [2, 160], [3, 60]]);
    expect(h.recorder.result(0).lifecycles.completed).toBe(4);
  });

  it('drops and counts a start while maxInFlight lifecycles run, never delaying it, and gives the slot back when one ends', async () => {
    // Prepare: starts every 100 ms, each lifecycle runs 250 ms, at most 2 at once
    const h = pingHarness(250);
    let settledAt: number | undefined;
    const running = runRate(rateUnit({ count: 6, maxInFlight: 2 }), h.env).then((left) => {
      settledAt = h.clock.now();
      return left;
    });

    // Act: 0 and 100 run; 200 finds 2 in flight; 300 and 400 get the slots freed at 250 and 350; 500 finds 2
    await h.clock.advance(600);
    const pendingAt600 = settledAt === undefined;
    const left = await runToEnd(h.clock, running);

    // Assess: the unit ends when its last lifecycle does (650), not when its last start was made
    expect(pendingAt600).toBe(true);
    expect(settledAt).toBe(650);
    expect(left).toEqual({ parked: [], next: undefined });
    expect(h.http.timeline()).toEqual(['GET /ping?i=0 @0', 'GET /ping?i=1 @100', 'GET /ping?i=3 @300', 'GET /ping?i=4 @400']);
    expect(h.recorder.result(0).lifecycles).toEqual({ completed: 4, failed: 0, dropped: 2, reasons: { [CAP]: 2 } });
    expect(h.events.ofType('dropped').map((e) => [e.index, e.at, e.reason])).toEqual([[2, 200, CAP], [5, 500, CAP]]);
  });

  it('fails the unit with a lifecycle fault and makes no start after it', async () => {
    // Prepare: the lifecycle events' 2nd write (lifecycle 1's outcome, at 110) cannot be made
    const h = pingHarness(10);
    const events = new FailingEvents(2);

    // Act
    const outcome = await runToEnd(h.clock, runRate(rateUnit({ count: 5 }), { ...h.env, events }).then(() => 'resolved', (error: unknown) => error));

    // Assess
    expect(outcome).toBe(events.error);
    expect(h.http.timeline()).toEqual(['GET /ping?i=0 @0', 'GET /ping?i=1 @100']);
  });
});
