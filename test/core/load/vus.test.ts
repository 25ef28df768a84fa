import { describe, expect, it } from 'vitest';
import { runVus } from '../../../lib/core/load/vus.ts';
import type { Clock } from '../../../lib/core/ports.ts';
import type { VusUnit } from '../../../lib/core/units.ts';
import { customPlan, engineHarness, FailingEvents, runToEnd, type Harness } from '../../helpers/engine-harness.ts';

/** One ping per lifecycle, answered after `delayMs` of fake time; each call carries its lifecycle index. */
function pingHarness(delayMs: number, count = 100): Harness {
  const plan = customPlan({ requests: { ping: { path: '/ping?i={{index}}' } }, lifecycle: [{ request: 'ping' }], payloads: { count } });
  const h = engineHarness(plan, { deadline: Number.POSITIVE_INFINITY });
  h.http.on('GET', '/ping', { status: 200, delayMs });
  return h;
}

describe('Function: runVus', () => {
  it('runs each user\'s lifecycles back to back until the deadline, numbering them across users', async () => {
    // Prepare: each lifecycle takes 300 ms; 2 users for 1 s
    const h = pingHarness(300);
    const unit: VusUnit = { kind: 'vus', runId: 'run-1', unitId: 'v0001', firstVu: 0, vus: 2, totalVus: 2, startAt: 0, durationMs: 1000 };

    // Act
    const left = await runToEnd(h.clock, runVus(unit, h.env));

    // Assess: iterations start at 0, 300, 600, 900 (the one running at the deadline finishes)
    expect(left).toEqual({ parked: [], next: undefined });
    expect(h.http.timeline()).toEqual([
      'GET /ping?i=0 @0', 'GET /ping?i=1 @0', 'GET /ping?i=2 @300', 'GET /ping?i=3 @300',
      'GET /ping?i=4 @600', 'GET /ping?i=5 @600', 'GET /ping?i=6 @900', 'GET /ping?i=7 @900',
    ]);
    expect(h.recorder.result(0).lifecycles.completed).toBe(8);
  });

  it('hands a lifecycle that ended without waiting over through a microtask: users still take turns, and the stack never grows', async () => {
    // Prepare: a lifecycle of one zero wait ends inside its own start; 3 users for 3,000 clock reads
    const plan = customPlan({ requests: { ping: { path: '/ping' } }, lifecycle: [{ wait: '0ms' }], payloads: { count: 1 } });
    const h = engineHarness(plan, { deadline: Number.POSITIVE_INFINITY });
    const unit: VusUnit = { kind: 'vus', runId: 'run-1', unitId: 'v0001', firstVu: 0, vus: 3, totalVus: 3, startAt: 0, durationMs: 3000 };

    // Act
    await runVus(unit, { ...h.env, clock: new TickingClock() });

    // Assess: lifecycles end in number order (users 0, 1, 2, 0, 1, 2, ...), none twice, none skipped
    const ended = h.events.ofType('completed').map((e) => e.index);
    expect(ended.length).toBeGreaterThan(300);
    expect(ended).toEqual(ended.map((_, i) => i));
    expect(h.recorder.result(0).lifecycles.completed).toBe(ended.length);
    expect(h.http.calls).toEqual([]);
  });

  it('fails the unit with a lifecycle fault', async () => {
    // Prepare
    const h = pingHarness(100);
    const events = new FailingEvents(2);
    const unit: VusUnit = { kind: 'vus', runId: 'run-1', unitId: 'v0001', firstVu: 0, vus: 1, totalVus: 1, startAt: 0, durationMs: 1000 };

    // Act
    const outcome = await runToEnd(h.clock, runVus(unit, { ...h.env, events }).then(() => 'resolved', (error: unknown) => error));

    // Assess: lifecycle 1's outcome could not be written; no lifecycle starts after it
    expect(outcome).toBe(events.error);
    expect(h.http.timeline()).toEqual(['GET /ping?i=0 @0', 'GET /ping?i=1 @100']);
  });
});

/** A clock that moves 1 ms each time it is read, and whose sleeps end at once: lifecycles that wait on nothing still end. */
class TickingClock implements Clock {
  private at = 0;
  now(): number {
    return this.at++;
  }
  async sleep(): Promise<void> {}
}
