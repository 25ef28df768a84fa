import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../lib/cli/run-command.ts';
import type { RunReport } from '../../lib/core/report/model.ts';
import { startTarget, type RunningTarget } from '../../lib/target/index.ts';
import { dayInLifeYaml, tempDir, writeTemp } from './helpers.ts';

let target: RunningTarget | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

/** Every endpoint's attempts in the report equal what the target received, request for request. */
function expectReportMatchesTarget(report: RunReport, t: RunningTarget): void {
  const stats = t.stats();
  const received = (key: string): number => stats.requests[key]?.total ?? 0;
  expect(report.endpoints.create?.attempts).toBe(received('POST /operation/payload'));
  expect(report.endpoints.details?.attempts).toBe(received('GET /details'));
  expect(report.endpoints.activate?.attempts ?? 0).toBe(received('POST /activate'));
  expect(report.endpoints.cancel?.attempts ?? 0).toBe(received('POST /cancel'));
  expect(report.endpoints.end?.attempts ?? 0).toBe(received('POST /end'));
  expect(report.states.created).toBe(stats.orders.total);
  expect(report.states.ended ?? 0).toBe(stats.orders.byState.Ended);
  expect(report.states.cancelled ?? 0).toBe(stats.orders.byState.Cancelled);
}

describe('day-in-life end to end (local driver, demo target)', () => {
  it('creates 200 orders, activates and ends 170, cancels 30, leaves none non-terminal', async () => {
    // Prepare
    target = await startTarget({ acceptDelayMs: 30 });
    const plan = writeTemp('plan.yaml', dayInLifeYaml(target.url));
    const out = tempDir();

    // Act
    const { exitCode, report } = await runCommand(plan, { out, quiet: true });

    // Assess: the target's ground truth
    const stats = target.stats();
    expect(stats.orders.total).toBe(200);
    expect(stats.orders.byState).toEqual({ Pending: 0, Accepted: 0, Activated: 0, Cancelled: 30, Ended: 170 });
    expect(stats.orders.nonTerminal).toBe(0);
    expect(stats.invalidTransitions).toBe(0);
    // ...and the report agrees with it exactly
    expect(exitCode).toBe(0);
    expect(report?.status).toBe('completed');
    expect(report?.lifecycles).toMatchObject({ planned: 200, completed: 200, failed: 0, dropped: 0, inProgress: 0 });
    expect(report?.states).toMatchObject({ created: 200, accepted: 200, activated: 170, ended: 170, cancelled: 30 });
    expect(report?.nonTerminal.count).toBe(0);
    expect(report?.batches.count).toBe(11);
    expectReportMatchesTarget(report as RunReport, target);
    expect(report?.expectations.every((e) => e.ok)).toBe(true);

    // report.json on disk is the same report; events.csv has one row per request and per outcome
    const onDisk = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
    expect(onDisk.states).toEqual(report?.states);
    const rows = readFileSync(join(out, 'events.csv'), 'utf8').trim().split('\n').slice(1);
    const requestRows = rows.filter((r) => r.split(',')[4] === 'request').length;
    expect(requestRows).toBe(report?.totals.requests);
    expect(rows.filter((r) => r.split(',')[4] === 'completed').length).toBe(200);
  });

  it('still ends every order with 20% 5xx on /details and /activate, counting every retry', async () => {
    // Prepare
    target = await startTarget({
      acceptDelayMs: 30,
      faults: { seed: 3, endpoints: { 'GET /details': { errorRate: 0.2 }, 'POST /activate': { errorRate: 0.2 } } },
    });
    const plan = writeTemp('plan.yaml', dayInLifeYaml(target.url));

    // Act
    const { report } = await runCommand(plan, { out: tempDir(), quiet: true });

    // Assess: nothing left behind, whatever the faults hit
    const stats = target.stats();
    expect(stats.orders.total).toBe(200);
    expect(stats.orders.nonTerminal).toBe(0);
    expect(stats.orders.byState.Ended + stats.orders.byState.Cancelled).toBe(200);
    expect(report?.nonTerminal.count).toBe(0);
    expect(report?.lifecycles.inProgress).toBe(0);
    // every injected fault shows up as an http5xx error, and every retry is counted
    const r = report as RunReport;
    expect(r.endpoints.details?.errors.http5xx).toBe(stats.faultsInjected['GET /details']);
    expect(r.endpoints.activate?.errors.http5xx).toBe(stats.faultsInjected['POST /activate']);
    expect(r.endpoints.details?.retries).toBeGreaterThan(0);
    expect(r.totals.errorRate).toBeGreaterThan(0);
    expectReportMatchesTarget(r, target);
  });
});
