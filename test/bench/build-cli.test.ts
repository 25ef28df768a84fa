import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, CLI_ENTRY } from '../../bin/build.ts';
import { parseGcTrace } from '../../bench/memory.ts';
import type { RunReport } from '../../lib/core/report/model.ts';
import { startTarget } from '../../lib/target/index.ts';
import { dayInLifeYaml, ROOT } from '../e2e/helpers.ts';

const run = promisify(execFile);

let dir: string;
let cli: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loadfleet-build-'));
  await buildCli(join(dir, 'dist'));
  cli = join(dir, 'dist', CLI_ENTRY);
}, 60_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the bundled CLI with plain node (no tsx anywhere on its command line). */
async function bundled(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(process.execPath, [cli, ...args], { cwd: dir, env: { ...process.env, NODE_OPTIONS: '' } });
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    throw new Error(`loadfleet ${args.join(' ')} exited ${code}:\n${stderr}${stdout}`);
  }
}

describe('npm run build (bin/build.ts): the bundled CLI', () => {
  it('is an executable node script that runs without tsx', async () => {
    // Assess
    expect(readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(cli).mode & 0o111).not.toBe(0);
    expect(readFileSync(cli, 'utf8')).not.toContain('thread-entry.ts');
    const { stdout } = await bundled(['--help']);
    expect(stdout).toContain('Usage: loadfleet');
  });

  it('runs a day-in-life plan to the end, on one thread and on two worker threads', async () => {
    // Prepare
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, dayInLifeYaml('http://127.0.0.1:1', { totalOrders: 120, activatedCount: 100, batchSize: 10, parallelBatches: 4 }));

    for (const workers of [1, 2]) {
      // Act
      const out = join(dir, `out-${workers}`);
      // A target of its own per run: the same order numbers twice would be refused (409).
      const fresh = await startTarget({ acceptDelayMs: 10 });
      try {
        await bundled(['run', plan, '--quiet', '--out', out, '--workers', String(workers), '--base-url', fresh.url]);
      } finally {
        await fresh.close();
      }

      // Assess
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
      expect(report.status).toBe('completed');
      expect(report.lifecycles).toMatchObject({ planned: 120, completed: 120, failed: 0, dropped: 0 });
      expect(report.nonTerminal.count).toBe(0);
      const rows = readFileSync(join(out, 'events.csv'), 'utf8').trim().split('\n').slice(1);
      expect(rows.filter((r) => r.split(',')[4] === 'request')).toHaveLength(report.totals.requests);
    }
  }, 60_000);

  it('looks for `demo` examples in the repository\'s examples/ folder, wherever the bundle is', async () => {
    // Act: an example that does not exist makes demo say where it looked, before starting anything
    const failure = await bundled(['demo', 'no-such-workload', '--quiet']).then(() => undefined, (error: Error) => error.message);

    // Assess
    expect(failure).toContain('exited 2');
    expect(failure).toContain(`(looked for ${join(ROOT, 'examples', 'no-such-workload.yaml')})`);
    expect(existsSync(join(ROOT, 'examples', 'day-in-life.yaml'))).toBe(true);
  });
});

describe('bench/memory.ts: parseGcTrace', () => {
  it('reads the heap left after each full GC and the most V8 had committed', () => {
    // Prepare
    const text = [
      '[1:0x1]       60 ms: Scavenge 6.9 (8.4) -> 6.4 (11.4) MB, pooled: 0 MB, 1.24 / 0.00 ms  (average mu = 1.000, current mu = 1.000) allocation failure; ',
      '[1:0x1]      460 ms: Mark-Compact 20.8 (52.7) -> 14.7 (50.4) MB, pooled: 0 MB, 4.47 / 0.00 ms  (+ 1.8 ms in 6 steps) finalize incremental marking via stack guard; GC in old space requested',
      '[1:0x1]    18133 ms: Mark-Compact 79.3 (204.9) -> 18.7 (177.1) MB, pooled: 28 MB, 11.77 / 0.00 ms  finalize incremental marking via task; GC in old space requested',
      '[1:0x1]    21768 ms: Scavenge 86.4 (177.1) -> 38.3 (177.1) MB, pooled: 28 MB, 5.71 / 0.00 ms  (average mu = 0.998, current mu = 0.998) task; ',
      'something else',
    ].join('\n');

    // Act + Assess
    expect(parseGcTrace(text)).toEqual({ liveAfterGcMb: 18.7, fullGcs: 2, heapCommittedMb: 204.9 });
    expect(parseGcTrace('')).toEqual({ liveAfterGcMb: undefined, fullGcs: 0, heapCommittedMb: undefined });
  });
});
