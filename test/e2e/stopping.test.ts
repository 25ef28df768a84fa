/**
 * Matrix rows 17 (SIGINT during a local run) and the other ways a run is stopped from outside, with the
 * CLI spawned as the `bin` runs it: what each way leaves behind (report.json, events.csv, the target's
 * orders) is checked against the demo target's ground truth.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunReport } from '../../lib/core/report/model.ts';
import { startTarget, type RunningTarget } from '../../lib/target/index.ts';
import { dayInLifeYaml, spawnCli, tempDir, writeTemp, type CliRun } from './helpers.ts';

let target: RunningTarget | undefined;
let cli: CliRun | undefined;
afterEach(async () => {
  // A test that failed half way must not leave a run behind.
  if (cli && cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
  cli = undefined;
  await target?.close();
  target = undefined;
});

/** Waits (real time, bounded) until `predicate` holds. */
async function until(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms: ${what}`);
    await sleep(20);
  }
}

/** A day-in-life run that creates an order every 100 ms (3 batches at a time) and keeps each open for a minute unless stopped. */
function slowPlan(url: string, knobs: { betweenCreates?: string; parallelBatches?: number } = {}): string {
  return writeTemp('plan.yaml', dayInLifeYaml(url, { betweenCreates: '100ms', beforeCancel: '60s', beforeEnd: '60s', parallelBatches: 3, ...knobs }));
}

function reportOf(out: string): RunReport {
  return JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
}

/** The `create` requests events.csv holds that the target answered 202, by lifecycle key. */
function createdKeys(file: string): string[] {
  if (!existsSync(file)) return [];
  const rows = readFileSync(file, 'utf8').split('\n').slice(1).map((line) => line.split(','));
  return rows.filter((cells) => cells[4] === 'request' && cells[5] === 'create' && cells[7] === '202').map((cells) => cells[3] as string);
}

/** A stopped run's report and the target agree: every created order ended, every lifecycle is accounted for. */
function expectCleanStop(out: string, t: RunningTarget): RunReport {
  const report = reportOf(out);
  const stats = t.stats();
  expect(report.status).toBe('aborted');
  expect(stats.orders.nonTerminal).toBe(0);
  expect(report.states.created).toBe(stats.orders.total);
  expect(report.nonTerminal.count).toBe(0);
  const l = report.lifecycles;
  expect(l.completed + l.failed + l.dropped).toBe(200);
  expect(l.inProgress).toBe(0);
  expect(l.dropped).toBe(200 - stats.orders.total);
  return report;
}

describe('Stopping a local run from outside (spawned CLI)', () => {
  it('row 17: a second SIGINT, more than a second after the first, exits 130 at once; events.csv keeps what was written before', async () => {
    // Prepare: cancels hang for a minute, so the cleanup the first SIGINT starts is still going on
    target = await startTarget({ acceptDelayMs: 30, faults: { endpoints: { 'POST /cancel': { latencyMs: 60_000 } } } });
    const out = tempDir();
    cli = spawnCli(['run', slowPlan(target.url), '--out', out, '--quiet']);
    const t = target;
    const run = cli;
    await until(() => t.stats().orders.total >= 5, 'five orders created');

    // Act: the first SIGINT; once it is taken and the orders created before it are in events.csv
    // (the sink flushes every second), a second one, past the repeat window
    run.child.kill('SIGINT');
    await until(() => run.stderrSoFar().includes('SIGINT received'), 'the first SIGINT taken');
    const stoppedAt = Date.now();
    const created = t.stats().orders.total;
    await until(() => createdKeys(join(out, 'events.csv')).length >= created && Date.now() - stoppedAt > 1500, 'created orders flushed to events.csv');
    run.child.kill('SIGINT');
    const { code, stderr } = await run.exited;

    // Assess: exit 130, no report (nothing waited for the cleanup), the created orders' rows kept
    expect(code).toBe(130);
    expect(stderr).toContain('second SIGINT: exiting now');
    expect(existsSync(join(out, 'report.json'))).toBe(false);
    expect(t.stats().orders.nonTerminal).toBeGreaterThan(0);
    const keys = createdKeys(join(out, 'events.csv'));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBeGreaterThanOrEqual(created);
    expect(keys.length).toBeLessThanOrEqual(t.stats().orders.total);
  });

  it('SIGTERM to the launching process only (npx, kill PID): the orphaned run notices, stops as for SIGTERM, cleans up and reports', async () => {
    // Prepare: a shell stands between the test and node, as npx does
    target = await startTarget({ acceptDelayMs: 30 });
    const out = tempDir();
    cli = spawnCli(['run', slowPlan(target.url), '--out', out, '--quiet'], { wrapped: true });
    const t = target;
    await until(() => t.stats().orders.total >= 10, 'ten orders created');

    // Act: only the shell gets the signal; node is orphaned
    cli.child.kill('SIGTERM');
    const { stderr } = await cli.exited;

    // Assess
    const report = expectCleanStop(out, t);
    expect(stderr).toMatch(/the process that started loadfleet \(pid \d+\) is gone: stopping as for SIGTERM/);
    expect(Object.keys(report.lifecycles.reasons).filter((r) => r.startsWith('stopped: the launching process'))).toHaveLength(1);
  });

  it('SIGTERM to the process group (timeout, CI runners): one stop, not a hard exit, though it arrives twice (signal and orphaning)', async () => {
    // Prepare
    target = await startTarget({ acceptDelayMs: 30 });
    const out = tempDir();
    cli = spawnCli(['run', slowPlan(target.url), '--out', out, '--quiet'], { wrapped: true });
    const t = target;
    await until(() => t.stats().orders.total >= 10, 'ten orders created');

    // Act
    process.kill(-(cli.child.pid as number), 'SIGTERM');
    const { stderr } = await cli.exited;

    // Assess
    const report = expectCleanStop(out, t);
    expect(stderr.match(/SIGTERM received/g)).toHaveLength(1);
    expect(stderr).not.toContain('exiting now');
    expect(report.lifecycles.reasons['stopped: interrupted by SIGTERM']).toBe(report.lifecycles.dropped);
  });

  it.each([
    ['one thread', []],
    ['two worker threads (each writes a part)', ['--workers', '2']],
  ])('SIGKILL keeps every event written more than a second before it: %s', async (_name, extra) => {
    // Prepare: an order every 400 ms per batch, some ten rows a second: far below the 64 KiB the sink
    // buffers within the test's minute
    target = await startTarget({ acceptDelayMs: 30 });
    const out = tempDir();
    cli = spawnCli(['run', slowPlan(target.url, { betweenCreates: '400ms', parallelBatches: 1 }), '--out', out, '--quiet', ...extra]);
    const t = target;
    const parts = extra.length > 0 ? [join(out, 'events.csv.part0'), join(out, 'events.csv.part1')] : [join(out, 'events.csv')];
    const flushed = (): string[] => parts.flatMap(createdKeys);
    await until(() => t.stats().orders.total >= 3, 'three orders created');
    const created = t.stats().orders.total;
    const since = Date.now();

    // Act: once a second has passed and the rows are on disk, kill it outright
    await until(() => Date.now() - since > 1200 && flushed().length >= created, 'rows of the created orders on disk');
    cli.child.kill('SIGKILL');
    await cli.exited;

    // Assess: the rows survive the kill, one per created order, none invented
    const keys = flushed();
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBeGreaterThanOrEqual(created);
    expect(keys.length).toBeLessThanOrEqual(t.stats().orders.total);
    expect(existsSync(join(out, 'report.json'))).toBe(false);
  });
});
