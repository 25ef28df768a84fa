import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../lib/cli/run-command.ts';
import type { RunReport } from '../../lib/core/report/model.ts';
import type { AggregateOutput } from '../../lib/runtime/fleet/aggregate.ts';
import { startTarget, type RunningTarget } from '../../lib/target/index.ts';
import { runOfflineFleet, type OfflineFleetRun } from '../helpers/offline-fleet.ts';
import { dayInLifeYaml, tempDir, writeTemp } from './helpers.ts';

let target: RunningTarget | undefined;
let run: OfflineFleetRun | undefined;
afterEach(async () => {
  await run?.aws.stop();
  await target?.close();
  run = undefined;
  target = undefined;
});

async function reportOf(r: OfflineFleetRun, runId: string): Promise<RunReport & { fleet: { units: number; workers: number; takeovers: number } }> {
  return JSON.parse((await r.objects.get(`runs/${runId}/report.json`)) ?? '{}') as RunReport & { fleet: { units: number; workers: number; takeovers: number } };
}

describe('the offline cloud: synthesized state machine + real handlers + fauxqs + dynalite', () => {
  it('runs day-in-life to the same counts as the local run and as the target', async () => {
    // The local run first, against its own target, as the reference
    const local = await startTarget({ acceptDelayMs: 20 });
    const { report: localReport } = await runCommand(writeTemp('plan.yaml', dayInLifeYaml(local.url)), { out: tempDir(), quiet: true });
    await local.close();

    target = await startTarget({ acceptDelayMs: 20 });
    // Workers get far more time than a batch needs, even on a busy machine: a worker that reached its
    // deadline would park its batch as an extra `.n` continuation and change the unit count below.
    run = await runOfflineFleet({ input: { plan: dayInLifeYaml(target.url), runId: 'dil-1' }, workerTimeoutMs: 300_000 });

    // The execution succeeded and its output is the short summary
    expect(run.execution.status).toBe('SUCCEEDED');
    expect(run.execution.visited).toEqual(expect.arrayContaining(['Plan', 'Dispatch', 'WaitForStart', 'CheckProgress', 'Sweep', 'Aggregate', 'Passed']));
    const output = run.execution.output as AggregateOutput;
    expect(output).toMatchObject({ runId: 'dil-1', status: 'completed', reportUri: 's3://loadfleet-reports/runs/dil-1/report.json' });
    expect(output.summary).toMatchObject({ planned: 200, completed: 200, failed: 0, dropped: 0, inProgress: 0, nonTerminal: 0, expectationsFailed: [] });

    // The target's ground truth
    const stats = target.stats();
    expect(stats.orders.total).toBe(200);
    expect(stats.orders.byState).toEqual({ Pending: 0, Accepted: 0, Activated: 0, Cancelled: 30, Ended: 170 });
    expect(stats.invalidTransitions).toBe(0);

    // The report in S3 agrees with the target and with the local run
    const report = await reportOf(run, 'dil-1');
    expect(report.lifecycles).toEqual(localReport?.lifecycles);
    expect(report.states).toEqual(localReport?.states);
    expect(report.endpoints.create?.attempts).toBe(stats.requests['POST /operation/payload']?.total);
    expect(report.endpoints.end?.attempts).toBe(stats.requests['POST /end']?.total);
    expect(report.endpoints.cancel?.attempts).toBe(stats.requests['POST /cancel']?.total);
    expect(report.totals.requests).toBe(Object.values(stats.requests).reduce((sum, r) => sum + (r?.total ?? 0), 0));
    expect(report.fleet.units).toBe(22); // 11 batches and their 11 cleanup continuations
    expect(report.fleet.takeovers).toBe(0);
    const csv = (await run.objects.get('runs/dil-1/events.csv')) ?? '';
    expect(csv.split('\n').filter((l) => l.split(',')[4] === 'request').length).toBe(report.totals.requests);

    // Every unit ran once, and every worker published its metrics
    expect(run.poller.invocations.filter((i) => i.outcome !== 'ok').map((i) => ({ ...i, error: String(i.error) }))).toEqual([]);
    expect(run.poller.counters.failedRecords).toBe(0);
    const requests = run.metrics.filter((m) => m.name === 'requests' && m.dimensions.endpoint === undefined).reduce((s, m) => s + m.value, 0);
    expect(requests).toBe(report.totals.requests);
  });
});

describe('faults through the offline cloud: nothing lost, nothing doubled, every order terminal', () => {
  /** The invariant every fault run must keep. */
  function expectConserved(output: AggregateOutput, planned: number): void {
    expect(output.summary.planned).toBe(planned);
    expect(output.summary.inProgress).toBe(0);
    expect(output.summary.completed + output.summary.failed + output.summary.dropped).toBe(planned);
  }

  it('a duplicated message runs its unit once', async () => {
    target = await startTarget({ acceptDelayMs: 10 });
    run = await runOfflineFleet({
      input: { plan: dayInLifeYaml(target.url, { totalOrders: 40, activatedCount: 30, batchSize: 10 }), runId: 'dup' },
      afterDispatch: async ({ store, queue, runId }) => {
        const units = (await store.listUnits(runId)).map((u) => u.unit);
        await queue.send(units); // every unit delivered a second time
      },
    });
    expect(run.execution.status).toBe('SUCCEEDED');
    const output = run.execution.output as AggregateOutput;
    expectConserved(output, 40);
    expect(output.summary).toMatchObject({ completed: 40, failed: 0 });
    expect(target.stats().orders.total).toBe(40);
    expect(target.stats().orders.nonTerminal).toBe(0);
    expect(run.poller.counters.records).toBeGreaterThanOrEqual(8 + 4); // 4 batches twice, their 4 continuations
  });

  it('a worker that dies mid-unit is taken over: its finished lifecycles counted from the journal, open ones cleaned up', async () => {
    target = await startTarget({ acceptDelayMs: 10 });
    run = await runOfflineFleet({
      input: { plan: dayInLifeYaml(target.url, { totalOrders: 40, activatedCount: 30, batchSize: 10 }), runId: 'crash' },
      workerTimeoutMs: 2000,
      fault: (unitId, receive) => (unitId === 'b0001' && receive === 1 ? { crashAfterSends: 7 } : undefined),
    });
    expect(run.poller.counters.timeouts).toBeGreaterThanOrEqual(1); // the dead invocation
    const report = await reportOf(run, 'crash');
    const stats = target.stats();
    expect(report.lifecycles).toMatchObject({ planned: 40, inProgress: 0 });
    expect(report.lifecycles.completed + report.lifecycles.failed).toBe(40);
    expect(stats.orders.nonTerminal).toBe(0);
    // A lifecycle the crash cut short ran its armed cleanup under the new worker and counts as failed
    // (worker lost); one cut off before its create was answered is listed as possibly non-terminal.
    const lost = Object.entries(report.lifecycles.reasons).filter(([r]) => r.startsWith('worker lost')).reduce((n, [, c]) => n + c, 0);
    expect(lost).toBe(report.lifecycles.failed);
    expect(report.nonTerminal.count).toBe(40 - stats.orders.total);
    expect(report.fleet.takeovers).toBe(1);
    expect(report.notes.some((n) => n.includes('taken over after a lost worker'))).toBe(true);
    // The execution ends on the plan's expectations: a failed lifecycle breaks "cancelled = 30".
    expect(run.execution.status).toBe(report.status === 'completed' ? 'SUCCEEDED' : 'FAILED');
  });

  it('a worker that dies after saving its result is not counted twice', async () => {
    target = await startTarget({ acceptDelayMs: 10 });
    run = await runOfflineFleet({
      input: { plan: dayInLifeYaml(target.url, { totalOrders: 40, activatedCount: 30, batchSize: 10 }), runId: 'saved' },
      workerTimeoutMs: 2000,
      fault: (unitId, receive) => (unitId === 'b0002' && receive === 1 ? { crashAfterSaving: true } : undefined),
    });
    expect(run.execution.status).toBe('SUCCEEDED');
    const output = run.execution.output as AggregateOutput;
    expectConserved(output, 40);
    expect(output.summary).toMatchObject({ completed: 40, failed: 0, dropped: 0, nonTerminal: 0 });
    expect(target.stats().orders).toMatchObject({ total: 40, nonTerminal: 0 });
    expect(run.poller.counters.timeouts).toBeGreaterThanOrEqual(1);
  });

  it('a worker that reaches its deadline parks and hands on a continuation', async () => {
    target = await startTarget({ acceptDelayMs: 10 });
    run = await runOfflineFleet({
      input: { plan: dayInLifeYaml(target.url, { totalOrders: 20, activatedCount: 15, batchSize: 20, parallelBatches: 1, betweenCreates: '60ms', beforeEnd: '1500ms', beforeCancel: '1500ms' }), runId: 'park' },
      workerTimeoutMs: 1200,
    });
    expect(run.execution.status).toBe('SUCCEEDED');
    const output = run.execution.output as AggregateOutput;
    expectConserved(output, 20);
    expect(output.summary).toMatchObject({ completed: 20, failed: 0, nonTerminal: 0 });
    expect(target.stats().orders).toMatchObject({ total: 20, nonTerminal: 0, byState: { Ended: 15, Cancelled: 5 } });
    const ids = (await run.store.listUnits('park')).map((u) => u.unit.unitId);
    expect(ids.some((id) => id.endsWith('.n'))).toBe(true); // the batch's unstarted items, handed on
  });

  it('a stop mid-run ends in RunAborted: nothing new starts, created orders cleaned up, the rest dropped', async () => {
    target = await startTarget({ acceptDelayMs: 10 });
    run = await runOfflineFleet({
      input: { plan: dayInLifeYaml(target.url, { totalOrders: 60, activatedCount: 50, batchSize: 10, parallelBatches: 2, betweenCreates: '40ms' }), runId: 'stop' },
      maxConcurrency: 2,
      afterDispatch: ({ store, runId }) => {
        setTimeout(() => void store.requestStop(runId, 'stopped by the test'), 900);
      },
    });
    expect(run.execution.status).toBe('FAILED');
    expect(run.execution.error).toBe('RunAborted');
    const report = await reportOf(run, 'stop');
    expect(report.status).toBe('aborted');
    const created = target.stats().orders.total;
    expect(created).toBeGreaterThan(0);
    expect(created).toBeLessThan(60);
    expect(target.stats().orders.nonTerminal).toBe(0);
    expect(report.lifecycles).toMatchObject({ planned: 60, inProgress: 0, dropped: 60 - created });
  });
});
