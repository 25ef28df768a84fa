import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEchoTarget, type EchoTarget } from '../helpers/echo-target.ts';
import { SENTINEL, SENTINEL_ENV, expectNoSentinel, expectSentinelSent, sentinelPlan } from '../helpers/sentinel-plan.ts';
import { ROOT, tempDir, writeTemp } from './helpers.ts';
import { spawn } from 'node:child_process';

let target: EchoTarget | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

/** Runs `loadfleet ARGS` as a child process with the sentinel in its environment; collects its output. */
async function cli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'bin/loadfleet.ts'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0', [SENTINEL_ENV]: SENTINEL },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

/** Every file under `dir`, by path relative to it. */
function filesUnder(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files[relative(dir, join(entry.parentPath, entry.name))] = readFileSync(join(entry.parentPath, entry.name), 'utf8');
  }
  return files;
}

describe('secrets from the environment stay out of every output (local)', () => {
  it('run: the sentinel is sent in a header, a path, a query and a body, and appears in no output', { timeout: 60_000 }, async () => {
    // Prepare
    target = await startEchoTarget();
    const out = tempDir();

    // Act
    const run = await cli(['run', writeTemp('plan.yaml', sentinelPlan(target.origin)), '--out', out]);

    // Assess: ground truth first (it was sent, and verify read it back), then every output
    expect(run.code).toBe(0);
    expectSentinelSent(target, 3);
    const files = filesUnder(out);
    expect(Object.keys(files).sort()).toEqual(['events.csv', 'report.json']);
    expectNoSentinel({ stdout: run.stdout, stderr: run.stderr, ...files });
    const report = JSON.parse(files['report.json'] as string) as { verified: unknown; lifecycles: { failed: number; reasons: unknown }; states: unknown; expectations: unknown };
    expect(report.verified).toEqual({ echoed: '***' });
    expect(report.lifecycles).toMatchObject({ failed: 3, reasons: { 'poll details: $.status == "***" not met after 2 attempts': 3 } });
    expect(report.states).toEqual({ created: 3, closed: 3 });
    expect(report.expectations).toEqual([{ rule: 'verified echoed', ok: true, expected: '= "***"', actual: '"***"' }]);
    expect(run.stderr).toContain(`against ${target.origin}/***`);
    expect(files['events.csv']?.match(/K-\*\*\*-\d,failed/g)).toHaveLength(3);
  });

  it('run --workers 2: the threads\' event parts are masked too', { timeout: 60_000 }, async () => {
    // Prepare: no verify (setup and verify run on one thread)
    target = await startEchoTarget();
    const out = tempDir();

    // Act
    const run = await cli(['run', writeTemp('plan.yaml', sentinelPlan(target.origin, { verify: false, count: 4 })), '--out', out, '--workers', '2']);

    // Assess
    expect(run.code).toBe(0);
    expectSentinelSent(target, 4);
    const files = filesUnder(out);
    expect(Object.keys(files).sort()).toEqual(['events.csv', 'report.json']);
    expectNoSentinel({ stdout: run.stdout, stderr: run.stderr, ...files });
    expect(files['events.csv']?.match(/K-\*\*\*-\d,failed/g)?.length).toBe(4);
  });

  it('validate and run: a sentinel in a field that fails validation is not echoed', { timeout: 60_000 }, async () => {
    // Prepare: the timeout is the sentinel, which is not a duration
    const plan = writeTemp('plan.yaml', sentinelPlan('http://127.0.0.1:9', { verify: false }).replace("  retry: { max: 0 }\n", `  retry: { max: 0 }\n  timeout: "\${env:${SENTINEL_ENV}}"\n`));
    const out = tempDir();

    // Act
    const validate = await cli(['validate', plan]);
    const run = await cli(['run', plan, '--out', out]);

    // Assess: both refuse it, name the key, and mask the value
    expect(validate.code).toBe(2);
    expect(run.code).toBe(2);
    expect(validate.stderr).toContain('target.timeout  invalid duration "***"');
    expectNoSentinel({ validateStdout: validate.stdout, validateStderr: validate.stderr, runStdout: run.stdout, runStderr: run.stderr, ...filesUnder(out) });
  });
});
