import { describe, expect, it } from 'vitest';
import { MemoryRunStore } from '../../lib/adapters/local/memory-run-store.ts';
import type { Cursor } from '../../lib/core/engine/cursor.ts';
import { mergeUnitResults } from '../../lib/core/recorder/merge.ts';
import type { Plan } from '../../lib/core/plan/schema.ts';
import type { BatchUnit, PhasesUnit, RateUnit, Unit, VusUnit } from '../../lib/core/units.ts';
import { RESUME_CHUNK, runUnit, type UnitRuntime } from '../../lib/runtime/run-unit.ts';
import { customPlan, engineHarness, runToEnd, type Harness } from '../helpers/engine-harness.ts';

/** create (arming a cancel 1s later), then a 5s wait: a batch item parks its cancel when its body ends. */
const orderPlan = customPlan({
  requests: {
    create: { method: 'POST', path: '/orders', body: { number: '{{payload.orderNumber}}' }, expect: [202], capture: { orderId: '$.orderId' }, state: 'created' },
    cancel: { method: 'POST', path: '/cancel', body: { orderId: '{{orderId}}' }, state: 'cancelled' },
  },
  lifecycle: [{ request: 'create' }, { cleanup: [{ wait: '1s' }, { request: 'cancel' }] }, { wait: '5s' }],
  payloads: { count: 1001, key: 'orderNumber', fields: { orderNumber: 'ORD-{{seq:04}}' } },
  entity: { name: 'order', terminal: ['cancelled'] },
});

/** A runtime with a park signal (fired by the test), over the harness's fakes. */
function setup(plan: Plan = orderPlan): { h: Harness; store: MemoryRunStore; rt: UnitRuntime; park: AbortController } {
  const h = engineHarness(plan, { deadline: Number.POSITIVE_INFINITY });
  h.http.on('POST', '/orders', { status: 202, body: { orderId: 'o-1' } }).on('POST', '/cancel', { status: 200 }).on('GET', '/a', { status: 200 });
  const store = new MemoryRunStore();
  const park = new AbortController();
  const rt: UnitRuntime = { compiled: h.compiled, runId: 'run-1', clock: h.clock, executor: h.executor, events: h.events, store, stop: h.env.stop, kill: h.env.kill, park: park.signal };
  return { h, store, rt, park };
}

/** Runs `unit` and fires the park at `parkAt` (fake ms). */
async function runParked(unit: Unit, parkAt: number, s = setup()): Promise<Awaited<ReturnType<typeof runUnit>>> {
  const running = runUnit(unit, s.rt);
  await s.h.clock.advance(parkAt);
  s.park.abort();
  return runToEnd(s.h.clock, running);
}

describe('Function: runUnit with a park signal', () => {
  it('hands back a batch as `.c` (parked lifecycles) and `.n` (the rest, same group); running them finishes every item', async () => {
    // Prepare: item 0 runs its body 0..5000 (cancel parked, due 6000); item 1's body waits 5000..10000
    const s = setup();
    const unit: BatchUnit = { kind: 'batch', runId: 'run-1', unitId: 'b0001', indices: [0, 1, 2], group: 'g1' };

    // Act
    const outcome = await runParked(unit, 7000, s);
    // Then every continuation (and theirs: `.n` parks its own cleanup as `b0001.n.c`) as another worker would
    const queue = [...outcome.continuations];
    const ran: string[] = [];
    for (let next = queue.shift(); next; next = queue.shift()) {
      ran.push(next.unitId);
      queue.push(...(await runToEnd(s.h.clock, runUnit(next, { ...s.rt, park: undefined }))).continuations);
    }

    // Assess
    expect(outcome.continuations.map((u) => u.unitId)).toEqual(['b0001.c', 'b0001.n']);
    expect(outcome.continuations[0]).toMatchObject({ kind: 'resume', runId: 'run-1', cursors: [{ index: 0, phase: 'cleanup', wakeAt: 6000 }, { index: 1, phase: 'body', wakeAt: 10_000 }] });
    expect(outcome.continuations[1]).toEqual({ kind: 'batch', runId: 'run-1', unitId: 'b0001.n', indices: [2], group: 'g1' });
    expect(outcome.result?.lifecycles).toEqual({ completed: 0, failed: 0, dropped: 0, reasons: {} });
    expect(ran).toEqual(['b0001.c', 'b0001.n', 'b0001.n.c']);
    const all = mergeUnitResults(await s.store.unitResults('run-1'));
    expect(all.lifecycles).toEqual({ completed: 3, failed: 0, dropped: 0, reasons: {} });
    expect(s.h.http.timeline().filter((t) => t.startsWith('POST /cancel')).slice(0, 2)).toEqual(['POST /cancel @7000', 'POST /cancel @11000']);
  });

  it(`splits parked lifecycles into resume units of at most ${RESUME_CHUNK} cursors: .c, .c2, .c3`, async () => {
    // Prepare: 1001 lifecycles sleeping towards wakeAt, resumed with the park already fired
    const s = setup();
    s.park.abort();
    const cursors: Cursor[] = Array.from({ length: 1001 }, (_, index) => ({ index, pc: 3, phase: 'body', vars: { orderId: `o-${index}` }, state: 'created', rng: [], wakeAt: 5000 }));

    // Act
    const outcome = await runToEnd(s.h.clock, runUnit({ kind: 'resume', runId: 'run-1', unitId: 'b0001.c', cursors }, s.rt));

    // Assess
    expect(outcome.continuations.map((u) => [u.unitId, u.kind === 'resume' ? u.cursors.length : 0])).toEqual([['b0001.c.c', 500], ['b0001.c.c2', 500], ['b0001.c.c3', 1]]);
    const resumed = outcome.continuations.flatMap((u) => (u.kind === 'resume' ? u.cursors : []));
    expect(resumed.map((c) => c.index)).toEqual(cursors.map((c) => c.index));
    expect(resumed.every((c) => c.wakeAt === 5000)).toBe(true);
    expect(s.h.http.calls).toEqual([]);
  });

  it('hands back a rate unit as `.c` and a `.n` rate unit for the starts not made', async () => {
    // Prepare
    const unit: RateUnit = { kind: 'rate', runId: 'run-1', unitId: 'r0001', worker: 1, ratePerSec: 1, startAt: 0, jitterMs: 0, intervalMs: 1000, firstIndex: 100, count: 10, maxInFlight: 10 };

    // Act: starts at 0, 1000, 2000; each waits 5s
    const outcome = await runParked(unit, 2500);

    // Assess
    expect(outcome.continuations).toMatchObject([
      { kind: 'resume', unitId: 'r0001.c', cursors: [{ index: 100, wakeAt: 5000 }, { index: 101, wakeAt: 6000 }, { index: 102, wakeAt: 7000 }] },
      { ...unit, unitId: 'r0001.n', startAt: 3000, firstIndex: 103, count: 7 },
    ]);
  });

  it('hands back a vus unit as `.c` and a `.n` vus unit going on from the next iteration', async () => {
    // Prepare
    const unit: VusUnit = { kind: 'vus', runId: 'run-1', unitId: 'v0001', firstVu: 0, vus: 2, totalVus: 4, startAt: 0, durationMs: 60_000 };

    // Act
    const outcome = await runParked(unit, 2500);

    // Assess
    expect(outcome.continuations).toMatchObject([
      { kind: 'resume', unitId: 'v0001.c', cursors: [{ index: 0, wakeAt: 5000 }, { index: 1, wakeAt: 5000 }] },
      { ...unit, unitId: 'v0001.n', firstIteration: 1 },
    ]);
  });

  it('runs a phases unit to its end whatever the park (phases have no continuation)', async () => {
    // Prepare
    const plan = customPlan({
      requests: { a: { path: '/a' } }, tasks: { a: [{ request: 'a' }, { wait: '1s' }] }, payloads: { fields: {} },
      load: { model: 'phases', phases: [{ name: 'p', duration: '5s', users: 1, spawnRate: 1, thinkTime: { mean: '1s', cv: 0 } }] },
    });
    const s = setup(plan);
    s.park.abort();
    const unit: PhasesUnit = { kind: 'phases', runId: 'run-1', unitId: 'p0001', firstUser: 0, users: 1, totalUsers: 1, startAt: 0 };

    // Act
    const outcome = await runToEnd(s.h.clock, runUnit(unit, s.rt));

    // Assess
    expect(outcome.continuations).toEqual([]);
    expect(s.h.http.timeline()).toEqual(['GET /a @0', 'GET /a @2000', 'GET /a @4000']);
    expect(outcome.result?.lifecycles).toEqual({ completed: 3, failed: 0, dropped: 0, reasons: {} });
  });

  it('without a park, a unit that ran to its end has no continuation', async () => {
    // Prepare
    const s = setup();
    const unit: RateUnit = { kind: 'rate', runId: 'run-1', unitId: 'r0001', worker: 0, ratePerSec: 1, startAt: 0, jitterMs: 0, intervalMs: 1000, firstIndex: 0, count: 2, maxInFlight: 10 };

    // Act
    const outcome = await runToEnd(s.h.clock, runUnit(unit, { ...s.rt, park: undefined }));

    // Assess
    expect(outcome.continuations).toEqual([]);
    expect(outcome.result?.lifecycles.completed).toBe(2);
  });
});
