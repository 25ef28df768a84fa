import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hitCommand, hitSummary } from '../../lib/cli/hit-command.ts';
import { runCommand } from '../../lib/cli/run-command.ts';
import { startTarget, type RunningTarget } from '../../lib/target/index.ts';
import { dayInLifeYaml, tempDir, writeTemp } from './helpers.ts';

let target: RunningTarget | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

describe('--workers (units on worker threads, results merged exactly)', () => {
  it('runs day-in-life on 2 threads with the same ground truth, report and event log as one thread', async () => {
    // Prepare
    target = await startTarget({ acceptDelayMs: 30 });
    const out = tempDir();

    // Act
    const { exitCode, report } = await runCommand(writeTemp('plan.yaml', dayInLifeYaml(target.url)), { out, quiet: true, workers: 2 });

    // Assess: the target's counts, the merged report, and every event in the joined log
    const stats = target.stats();
    expect(exitCode).toBe(0);
    expect(stats.orders.byState).toEqual({ Pending: 0, Accepted: 0, Activated: 0, Cancelled: 30, Ended: 170 });
    expect(report?.lifecycles).toMatchObject({ planned: 200, completed: 200, failed: 0, dropped: 0, inProgress: 0 });
    expect(report?.states).toMatchObject({ created: 200, activated: 170, ended: 170, cancelled: 30 });
    expect(report?.endpoints.details?.attempts).toBe(stats.requests['GET /details']?.total);
    expect(report?.notes).toContain('ran on 2 worker threads');
    const rows = readFileSync(join(out, 'events.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toMatch(/^at_iso,/);
    expect(rows.filter((r) => r.split(',')[4] === 'request')).toHaveLength(report?.totals.requests ?? -1);
    expect(rows.filter((r) => r.split(',')[4] === 'completed')).toHaveLength(200);
  });

  it('splits hit connections across threads and counts exactly what the target received', async () => {
    target = await startTarget();
    const { report } = await hitCommand(`${target.url}/`, { connections: 8, duration: '1s', method: 'GET', timeout: '5s', quiet: true, workers: 2 });
    expect(hitSummary(report!).requests).toBe(target.stats().requests['GET /']?.total);
    expect(hitSummary(report!).requests).toBeGreaterThan(0);
  });
});
