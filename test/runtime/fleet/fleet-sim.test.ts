import { afterEach, describe, expect, it } from 'vitest';
import { startTarget, type RunningTarget } from '../../../lib/target/index.ts';
import { dayInLifeYaml } from '../../e2e/helpers.ts';
import { runFleetSim } from '../../helpers/fleet-sim.ts';

let target: RunningTarget | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

/** The target's ground truth after a run: every order terminal, none lost. */
function expectAllTerminal(t: RunningTarget, orders: number): void {
  const stats = t.stats();
  expect(stats.orders.total).toBe(orders);
  expect(stats.orders.nonTerminal).toBe(0);
  expect(stats.invalidTransitions).toBe(0);
}

describe('the fleet use cases in one process (memory store and queue, real HTTP to the demo target)', () => {
  it('runs day-in-life with the same counts as the local run: 60 orders, 50 ended, 10 cancelled', async () => {
    target = await startTarget({ acceptDelayMs: 30 });
    const { output, store } = await runFleetSim({ planText: dayInLifeYaml(target.url, { totalOrders: 60, activatedCount: 50, batchSize: 10 }), allowedHosts: ['127.0.0.1'] });
    expectAllTerminal(target, 60);
    expect(target.stats().orders.byState).toMatchObject({ Ended: 50, Cancelled: 10 });
    expect(output.status).toBe('completed');
    expect(output.summary).toMatchObject({ planned: 60, completed: 60, failed: 0, dropped: 0, inProgress: 0, nonTerminal: 0 });
    const units = await store.listUnits(output.runId);
    expect(units.every((u) => u.status === 'DONE')).toBe(true);
  });

  it('runs a duplicated message once', async () => {
    target = await startTarget({ acceptDelayMs: 10 });
    const { output, outcomes } = await runFleetSim({
      planText: dayInLifeYaml(target.url, { totalOrders: 40, activatedCount: 30, batchSize: 10 }), allowedHosts: ['127.0.0.1'],
      fault: (unit, n) => (n === 1 && !unit.unitId.includes('.') ? 'duplicate' : undefined),
    });
    expectAllTerminal(target, 40);
    expect(output.summary).toMatchObject({ planned: 40, completed: 40, inProgress: 0 });
    expect(outcomes.filter((o) => o.status === 'skipped' || o.status === 'ran').length).toBeGreaterThan(4);
    expect(outcomes.filter((o) => o.status === 'skipped').length).toBe(4);
  });

  it('takes over a unit whose worker died mid-unit: no lifecycle lost or counted twice, every order terminal', async () => {
    target = await startTarget({ acceptDelayMs: 10 });
    const { output, store, objects, deliveries } = await runFleetSim({
      planText: dayInLifeYaml(target.url, { totalOrders: 20, activatedCount: 15, batchSize: 10 }), allowedHosts: ['127.0.0.1'], workerTimeoutMs: 1500,
      fault: (unit, n) => (unit.unitId === 'b0001' && n === 1 ? { crashAfterSends: 4 } : undefined),
    });
    expect(deliveries.get('b0001')).toBe(2);
    const b1 = (await store.listUnits(output.runId)).find((u) => u.unit.unitId === 'b0001');
    expect(b1?.attempts).toBe(2);
    expectAllTerminal(target, target.stats().orders.total);
    expect(output.summary).toMatchObject({ planned: 20, inProgress: 0 });
    expect(output.summary.completed + output.summary.failed).toBe(20);
    // Lifecycles the crash cut short are failed (worker lost) after their armed cleanup ran; one whose
    // create was in flight is listed as possibly non-terminal (the target may hold an order no one can name).
    const report = JSON.parse((await objects.get(`runs/${output.runId}/report.json`)) ?? '{}') as { lifecycles: { reasons: Record<string, number> } };
    const lost = Object.entries(report.lifecycles.reasons).filter(([r]) => r.startsWith('worker lost')).reduce((n, [, c]) => n + c, 0);
    expect(lost).toBe(output.summary.failed);
    expect(output.summary.nonTerminal).toBe(20 - target.stats().orders.total);
  });

  it('a worker that dies after saving its result is not counted twice', async () => {
    target = await startTarget({ acceptDelayMs: 10 });
    const { output, deliveries } = await runFleetSim({
      planText: dayInLifeYaml(target.url, { totalOrders: 20, activatedCount: 15, batchSize: 10 }), allowedHosts: ['127.0.0.1'], workerTimeoutMs: 1500,
      fault: (unit, n) => (unit.unitId === 'b0001' && n === 1 ? { crashAfterSaving: true } : undefined),
    });
    expectAllTerminal(target, 20);
    expect(deliveries.get('b0001')).toBe(2);
    expect(output.summary).toMatchObject({ planned: 20, completed: 20, failed: 0, dropped: 0, inProgress: 0 });
  });

  it('parks at the worker deadline and continues in a new invocation', async () => {
    target = await startTarget({ acceptDelayMs: 10 });
    const { output, store } = await runFleetSim({
      planText: dayInLifeYaml(target.url, { totalOrders: 20, activatedCount: 15, batchSize: 20, parallelBatches: 1, betweenCreates: '50ms', beforeEnd: '1500ms', beforeCancel: '1500ms' }),
      allowedHosts: ['127.0.0.1'], workerTimeoutMs: 1000,
    });
    expectAllTerminal(target, 20);
    expect(output.summary).toMatchObject({ planned: 20, completed: 20, failed: 0, dropped: 0, inProgress: 0 });
    const ids = (await store.listUnits(output.runId)).map((u) => u.unit.unitId);
    expect(ids.some((id) => id.includes('.'))).toBe(true);
  });

  it('a stop mid-run: nothing new starts, created orders are cleaned up, the rest counted dropped', async () => {
    target = await startTarget({ acceptDelayMs: 10 });
    const { output } = await runFleetSim({
      planText: dayInLifeYaml(target.url, { totalOrders: 60, activatedCount: 50, batchSize: 10, parallelBatches: 2, betweenCreates: '30ms' }), allowedHosts: ['127.0.0.1'],
      maxConcurrency: 2,
      onCheck: async (store, runId, elapsed) => {
        if (elapsed > 400) await store.requestStop(runId, 'stopped by the test');
      },
    });
    const created = target.stats().orders.total;
    expectAllTerminal(target, created);
    expect(created).toBeLessThan(60);
    expect(output.status).toBe('aborted');
    expect(output.summary.inProgress).toBe(0);
    expect(output.summary.dropped).toBe(60 - created);
  });
});
