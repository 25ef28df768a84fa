import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { eventsCaughtUp, runBatch } from '../../../lib/core/load/batches.ts';
import type { BatchUnit } from '../../../lib/core/units.ts';
import { customPlan, engineHarness, MemoryEvents, type Harness } from '../../helpers/engine-harness.ts';

/** An event sink that is behind (as a CSV file the disk has not taken yet) until `catchUp()`. */
class BehindEvents extends MemoryEvents {
  needsDrain = true;
  drainedCalls = 0;
  private release: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(opts: { failing?: Error } = {}) {
    super();
    this.failure = opts.failing;
  }

  drained(): Promise<void> {
    this.drainedCalls++;
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve) => (this.release = resolve));
  }

  catchUp(): void {
    this.needsDrain = false;
    this.release?.();
  }
}

/** One ping per lifecycle, its index in the query. */
function harness(count: number): Harness {
  const plan = customPlan({ requests: { ping: { path: '/ping?i={{index}}' } }, lifecycle: [{ request: 'ping' }], payloads: { count } });
  const h = engineHarness(plan);
  h.http.on('GET', '/ping', { status: 200 });
  return h;
}

const batchOf = (unitId: string, indices: number[]): BatchUnit => ({ kind: 'batch', runId: 'run-1', unitId, indices });
const noPacing = { itemIntervalMs: 0, itemJitter: 0 };

/** Lets every pending promise and I/O callback run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await nextTurn();
}

describe('Function: runBatch, event sink backpressure', () => {
  it('starts no lifecycle while the event sink is behind, then runs every one, losing no event', async () => {
    // Prepare
    const h = harness(4);
    const events = new BehindEvents();
    const running = runBatch(batchOf('b0001', [0, 1, 2, 3]), { ...h.env, events }, noPacing);

    // Act
    await settle();
    const sentWhileBehind = h.http.calls.length;
    events.catchUp();
    const left = await running;

    // Assess
    expect(sentWhileBehind).toBe(0);
    expect(left).toEqual({ parked: [], rest: [] });
    expect(h.http.calls.map((c) => c.path)).toEqual(['/ping?i=0', '/ping?i=1', '/ping?i=2', '/ping?i=3']);
    expect(h.recorder.result(h.clock.now()).lifecycles).toEqual({ completed: 4, failed: 0, dropped: 0, reasons: {} });
    // Request rows come from the executor (the harness's own sink); outcomes from the batch's.
    expect(h.events.ofType('request')).toHaveLength(4);
    expect(events.ofType('completed').map((e) => e.index)).toEqual([0, 1, 2, 3]);
  });

  it('waits once per sink however many batches wait on it', async () => {
    // Prepare
    const h = harness(6);
    const events = new BehindEvents();
    const env = { ...h.env, events };

    // Act
    const batches = [runBatch(batchOf('b0001', [0, 1]), env, noPacing), runBatch(batchOf('b0002', [2, 3]), env, noPacing), runBatch(batchOf('b0003', [4, 5]), env, noPacing)];
    await settle();
    const callsWhileBehind = events.drainedCalls;
    events.catchUp();
    await Promise.all(batches);

    // Assess
    expect(callsWhileBehind).toBe(1);
    expect(h.http.calls).toHaveLength(6);
    expect(h.recorder.result(h.clock.now()).lifecycles.completed).toBe(6);
  });

  it('does not wait on a sink that failed: every lifecycle runs (the sink reports its failure when closed)', async () => {
    // Prepare
    const h = harness(3);
    const events = new BehindEvents({ failing: new Error('disk full') });

    // Act
    const left = await runBatch(batchOf('b0001', [0, 1, 2]), { ...h.env, events }, noPacing);

    // Assess: the sink stayed behind, so each start asked once, and none waited for ever
    expect(left).toEqual({ parked: [], rest: [] });
    expect(events.drainedCalls).toBe(3);
    expect(h.recorder.result(h.clock.now()).lifecycles.completed).toBe(3);
  });

  it('drops the items not started when the run is stopped during the wait', async () => {
    // Prepare
    const h = harness(3);
    const events = new BehindEvents();
    const running = runBatch(batchOf('b0001', [0, 1, 2]), { ...h.env, events }, noPacing);
    await settle();

    // Act
    h.guard.stop('stopped by the test');
    events.catchUp();
    await running;

    // Assess
    expect(h.http.calls).toHaveLength(0);
    const result = h.recorder.result(h.clock.now());
    expect(result.lifecycles.dropped).toBe(3);
    expect(events.ofType('dropped').map((e) => e.index)).toEqual([0, 1, 2]);
  });
});

describe('Function: eventsCaughtUp', () => {
  it('resolves at once for a sink that is not behind or cannot say', async () => {
    // Prepare
    const plain = new MemoryEvents();
    const caughtUp = new BehindEvents();
    caughtUp.needsDrain = false;

    // Act
    await eventsCaughtUp(plain);
    await eventsCaughtUp(caughtUp);

    // Assess
    expect(caughtUp.drainedCalls).toBe(0);
  });
});
