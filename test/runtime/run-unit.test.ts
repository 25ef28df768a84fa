import { describe, expect, it } from 'vitest';
import { MemoryRunStore } from '../../lib/adapters/local/memory-run-store.ts';
import { Recorder } from '../../lib/core/recorder/recorder.ts';
import type { BatchUnit } from '../../lib/core/units.ts';
import { runUnit, type InProcessUnits, type UnitRuntime } from '../../lib/runtime/run-unit.ts';
import { customPlan, engineHarness, runToEnd, type Harness } from '../helpers/engine-harness.ts';

/** create (arming a cancel 1s later), then a 5s wait: each item of a batch parks its cancel. */
const plan = customPlan({
  requests: {
    create: { method: 'POST', path: '/orders', body: { number: '{{payload.orderNumber}}' }, expect: [202], capture: { orderId: '$.orderId' }, state: 'created' },
    cancel: { method: 'POST', path: '/cancel', body: { orderId: '{{orderId}}' }, state: 'cancelled' },
  },
  lifecycle: [{ request: 'create' }, { cleanup: [{ wait: '1s' }, { request: 'cancel' }] }, { wait: '5s' }],
  payloads: { count: 3, key: 'orderNumber', fields: { orderNumber: 'ORD-{{seq:03}}' } },
  entity: { name: 'order', terminal: ['cancelled'] },
});

const batch: BatchUnit = { kind: 'batch', runId: 'run-1', unitId: 'b0001', indices: [0, 1, 2] };

function setup(): { h: Harness; store: MemoryRunStore; rt: UnitRuntime } {
  const h = engineHarness(plan);
  h.http.on('POST', '/orders', (req) => ({ status: 202, body: { orderId: `o-${(JSON.parse(req.body ?? '{}') as { number: string }).number}` } })).on('POST', '/cancel', { status: 200 });
  const store = new MemoryRunStore();
  const rt: UnitRuntime = { compiled: h.compiled, runId: 'run-1', clock: h.clock, executor: h.executor, events: h.events, store, stop: h.env.stop, kill: h.env.kill };
  return { h, store, rt };
}

/** In-process hooks that keep what they are handed, for assertions. */
function inProcess(h: Harness): InProcessUnits & { readonly tracked: Array<Promise<unknown>> } {
  const tracked: Array<Promise<unknown>> = [];
  return { recorder: new Recorder(h.clock.now()), track: (work) => tracked.push(work), tracked };
}

describe('Function: runUnit', () => {
  it('without in-process hooks, saves its own result and hands its parked cleanups back as a continuation unit', async () => {
    // Prepare
    const { h, store, rt } = setup();

    // Act
    const outcome = await runToEnd(h.clock, runUnit(batch, rt));

    // Assess
    expect(outcome.status).toBe('ran');
    expect(outcome.continuations).toMatchObject([{ kind: 'resume', unitId: 'b0001.c', cursors: [{ index: 0 }, { index: 1 }, { index: 2 }] }]);
    expect(h.http.timeline().filter((c) => c.startsWith('POST /cancel'))).toEqual([]);
    expect(await store.unitResults('run-1')).toEqual([outcome.result]);
    expect(outcome.result?.batches.count).toBe(1);
  });

  it('with in-process hooks, records into the shared recorder, saves nothing and resumes each cleanup as soon as it parks', async () => {
    // Prepare
    const { h, store, rt } = setup();
    const local = inProcess(h);

    // Act
    const outcome = await runToEnd(h.clock, runUnit(batch, rt, local));
    await runToEnd(h.clock, Promise.all(local.tracked));

    // Assess: each cancel 1s after its own body ended (5s, 10s, 15s), the first two while the batch still ran
    expect(outcome).toEqual({ status: 'ran', continuations: [] });
    expect(local.tracked).toHaveLength(3);
    expect(h.http.timeline()).toEqual([
      'POST /orders @0', 'POST /orders @5000', 'POST /cancel @6000', 'POST /orders @10000', 'POST /cancel @11000', 'POST /cancel @16000',
    ]);
    expect(h.events.ofType('completed').map((e) => e.unitId)).toEqual(['b0001.c', 'b0001.c', 'b0001.c']);
    expect(await store.unitResults('run-1')).toEqual([]);
    const result = local.recorder.result(h.clock.now());
    expect(result.lifecycles).toEqual({ completed: 3, failed: 0, dropped: 0, reasons: {} });
    expect(result.endpoints['create']?.attempts).toBe(3);
    expect(result.endpoints['cancel']?.attempts).toBe(3);
    expect(result.batches.count).toBe(1);
  });

  it('with in-process hooks, a unit delivered twice runs and records once', async () => {
    // Prepare
    const { h, rt } = setup();
    const local = inProcess(h);
    await runToEnd(h.clock, runUnit(batch, rt, local));
    await runToEnd(h.clock, Promise.all(local.tracked));

    // Act
    const again = await runToEnd(h.clock, runUnit(batch, rt, local));

    // Assess
    expect(again).toEqual({ status: 'skipped', continuations: [] });
    expect(local.tracked).toHaveLength(3);
    expect(h.http.calls).toHaveLength(6);
    expect(local.recorder.result(h.clock.now()).lifecycles.completed).toBe(3);
  });
});
