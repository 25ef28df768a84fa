import { describe, expect, it } from 'vitest';
import type { Cursor } from '../../../lib/core/engine/cursor.ts';
import { runBatch } from '../../../lib/core/load/batches.ts';
import { runCursors } from '../../../lib/core/load/leftovers.ts';
import { runRate } from '../../../lib/core/load/rate.ts';
import { runVus } from '../../../lib/core/load/vus.ts';
import type { BatchUnit, RateUnit, VusUnit } from '../../../lib/core/units.ts';
import { customPlan, engineHarness, runToEnd, type Harness } from '../../helpers/engine-harness.ts';

/** ping, wait, ping: each call carries the lifecycle index, so schedules compare lifecycle by lifecycle. */
function harness(wait: string, count: number): Harness {
  const plan = customPlan({ requests: { ping: { path: '/ping?i={{index}}' } }, lifecycle: [{ request: 'ping' }, { wait }, { request: 'ping' }], payloads: { count } });
  const h = engineHarness(plan, { deadline: Number.POSITIVE_INFINITY });
  h.http.on('GET', '/ping', { status: 200 });
  return h;
}

/** The calls as `path @time`, in time order (ties by path), to compare runs whatever their interleaving. */
const schedule = (h: Harness): string[] =>
  h.http.calls.map((c) => ({ at: c.at, text: `${c.path} @${c.at}` })).sort((a, b) => a.at - b.at || a.text.localeCompare(b.text)).map((c) => c.text);

const batch: BatchUnit = { kind: 'batch', runId: 'run-1', unitId: 'b0001', indices: [0, 1, 2, 3, 4] };
const pacing = { itemIntervalMs: 1000, itemJitter: 0 };

describe('Function: runBatch with a park signal', () => {
  it('parks the running item at its wait and returns the items not started as rest, dropping nothing', async () => {
    // Prepare: item 0 runs 0..5000, item 1 starts at 6000 and waits until 11000
    const h = harness('5s', 5);
    const park = new AbortController();
    const running = runBatch(batch, { ...h.env, park: park.signal }, pacing);

    // Act
    await h.clock.advance(7000);
    park.abort();
    const left = await runToEnd(h.clock, running);

    // Assess
    expect(h.clock.now()).toBe(7000);
    expect(left.rest).toEqual([2, 3, 4]);
    expect(left.parked.map((c) => [c.index, c.pc, c.wakeAt])).toEqual([[1, 2, 11_000]]);
    const result = h.recorder.result(h.clock.now());
    expect(result.lifecycles).toEqual({ completed: 1, failed: 0, dropped: 0, reasons: {} });
    expect(result.lifecycles.completed + left.rest.length + left.parked.length).toBe(batch.indices.length);
    expect(result.batches.count).toBe(0);
    expect(h.events.ofType('dropped')).toEqual([]);
  });

  it('cuts the item interval on a park: the next item does not start', async () => {
    // Prepare
    const h = harness('5s', 5);
    const park = new AbortController();
    const running = runBatch(batch, { ...h.env, park: park.signal }, pacing);

    // Act: item 0 ended at 5000; the interval runs until 6000
    await h.clock.advance(5500);
    park.abort();
    const left = await runToEnd(h.clock, running);

    // Assess
    expect(h.clock.now()).toBe(5500);
    expect(left).toEqual({ parked: [], rest: [1, 2, 3, 4] });
    expect(h.http.timeline()).toEqual(['GET /ping?i=0 @0', 'GET /ping?i=0 @5000']);
  });

  it('drops the rest on a stop even when a park fired too', async () => {
    // Prepare
    const h = harness('5s', 5);
    const park = new AbortController();
    const running = runBatch(batch, { ...h.env, park: park.signal }, pacing);

    // Act
    await h.clock.advance(5500);
    h.guard.stop('stopping');
    park.abort();
    const left = await runToEnd(h.clock, running);

    // Assess
    expect(left).toEqual({ parked: [], rest: [] });
    expect(h.recorder.result(0).lifecycles).toMatchObject({ completed: 1, dropped: 4 });
  });
});

const rate: RateUnit = { kind: 'rate', runId: 'run-1', unitId: 'r0001', worker: 0, ratePerSec: 10, startAt: 1000, jitterMs: 30, intervalMs: 100, firstIndex: 20, count: 10, maxInFlight: 100 };

describe('Function: runRate with a park signal', () => {
  it('stops starting on a park, parks the lifecycles in flight, and returns the rest as a unit that keeps the schedule', async () => {
    // Prepare: the unparked schedule
    const reference = harness('250ms', 40);
    await runToEnd(reference.clock, runRate(rate, reference.env));
    const h = harness('250ms', 40);
    const park = new AbortController();
    const running = runRate(rate, { ...h.env, park: park.signal });

    // Act: starts at 1030, 1130, ..., 1430 are made, the last three still waiting (250ms) at the park, at 1450
    await h.clock.advance(1450);
    park.abort();
    const left = await runToEnd(h.clock, running);
    const firstRun = h.http.calls.length;
    await runToEnd(h.clock, Promise.all([runRate(left.next!, h.env), runCursors(left.parked, h.env)]));

    // Assess
    expect(left.next).toEqual({ ...rate, startAt: 1500, firstIndex: 25, count: 5 });
    expect(left.parked.map((c) => [c.index, c.wakeAt])).toEqual([[22, 1480], [23, 1580], [24, 1680]]);
    expect(firstRun).toBe(5 + 2);
    expect(schedule(h)).toEqual(schedule(reference));
    expect(h.recorder.result(0).lifecycles).toEqual({ completed: 10, failed: 0, dropped: 0, reasons: {} });
  });

  it('returns no next unit when every start was made, and drops the rest on a stop', async () => {
    // Prepare
    const h = harness('250ms', 40);
    const park = new AbortController();
    const done = runRate(rate, { ...h.env, park: park.signal });
    const stopped = harness('250ms', 40);
    const parkToo = new AbortController();
    const cut = runRate(rate, { ...stopped.env, park: parkToo.signal });

    // Act
    await h.clock.advance(2000);
    park.abort();
    const left = await runToEnd(h.clock, done);
    await stopped.clock.advance(1450);
    stopped.guard.stop('stopping');
    parkToo.abort();
    const dropped = await runToEnd(stopped.clock, cut);

    // Assess
    expect(left.next).toBeUndefined();
    expect(dropped.next).toBeUndefined();
    expect(stopped.recorder.result(0).lifecycles.dropped).toBe(5);
  });
});

const vus: VusUnit = { kind: 'vus', runId: 'run-1', unitId: 'v0001', firstVu: 0, vus: 2, totalVus: 2, startAt: 0, durationMs: 10_000 };

describe('Function: runVus with a park signal', () => {
  it('stops the users on a park, parks their lifecycles, and goes on from the next iteration in `next`', async () => {
    // Prepare: each user runs a lifecycle every 3s (ping, 3s wait, ping)
    const h = harness('3s', 40);
    const park = new AbortController();
    const running = runVus(vus, { ...h.env, park: park.signal });

    // Act: iterations 0 (t=0) and 1 (t=3000) started; park at 4000
    await h.clock.advance(4000);
    park.abort();
    const left = await runToEnd(h.clock, running);
    await runToEnd(h.clock, Promise.all([runVus(left.next!, h.env), runCursors(left.parked, h.env)]));

    // Assess: lifecycles 4 and 5 (iteration 2) start at once, 6 and 7 at 7000; 2 and 3 finish at 6000
    expect(left.next).toEqual({ ...vus, firstIteration: 2 });
    expect(left.parked.map((c) => [c.index, c.wakeAt])).toEqual([[2, 6000], [3, 6000]]);
    const indices = h.http.calls.map((c) => Number(new URL(c.url).searchParams.get('i')));
    expect(new Set(indices)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]));
    expect(h.http.timeline().filter((t) => t.endsWith('@4000'))).toEqual(['GET /ping?i=4 @4000', 'GET /ping?i=5 @4000']);
    expect(h.recorder.result(0).lifecycles).toEqual({ completed: 8, failed: 0, dropped: 0, reasons: {} });
  });

  it('returns no next unit once the deadline has passed', async () => {
    // Prepare
    const h = harness('3s', 40);
    const park = new AbortController();
    const running = runVus({ ...vus, durationMs: 2000 }, { ...h.env, park: park.signal });

    // Act: the deadline passes at 2000; the lifecycles of iteration 0 wait until 3000
    await h.clock.advance(2500);
    park.abort();
    const left = await runToEnd(h.clock, running);

    // Assess
    expect(left.next).toBeUndefined();
    expect(left.parked.map((c: Cursor) => c.index)).toEqual([0, 1]);
  });
});
