/**
 * Matrix row 15: a plan beyond the limits is refused at validation, through the CLI as a user runs it:
 * exit 2, every problem at file:line:col with its key and the ceiling, nothing sent, no report folder
 * made. (Before the ceilings, `vus: 1e12` crashed with a RangeError and a stack trace after events.csv
 * had been created, and `rate: 1e12` with `maxRps: 1e12` filled the memory until SIGKILL.)
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startRecordingTarget, type RecordingTarget } from '../helpers/recording-target.ts';
import { spawnCli, tempDir, writeTemp } from './helpers.ts';

let target: RecordingTarget | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

/** A custom plan against `url` with `load` and `limits` as given (YAML flow text). */
function planWith(url: string, load: string, limits = '{}'): string {
  return writeTemp('limits.yaml', `kind: custom
name: limits
target: { baseUrl: "${url}" }
requests:
  a: { path: /a }
lifecycle: [ { request: a } ]
load: ${load}
limits: ${limits}
`);
}

describe('plans beyond the limits (fault matrix row 15)', () => {
  it.each([
    {
      name: 'a rate of 1e12/s with maxRps 1e12',
      load: '{ model: rate, rate: 1e12, duration: 10s }',
      limits: '{ maxRps: 1e12 }',
      lines: ['limits.yaml:7:28  load.rate  at most 100000 per second, got 1000000000000 (the ceiling for one run; see README: Ceilings)', 'limits.yaml:8:19  limits.maxRps  at most 100000 per second, got 1000000000000'],
    },
    { name: '1e12 virtual users', load: '{ model: vus, vus: 1e12, duration: 10s }', limits: '{}', lines: ['limits.yaml:7:26  load.vus  at most 100000, got 1000000000000 (lifecycles, users or requests at once in one run; see README: Ceilings)'] },
    { name: 'a burst of 1e12', load: '{ model: burst, count: 1e12 }', limits: '{}', lines: ['limits.yaml:7:30  load.count  at most 100000, got 1000000000000'] },
    { name: 'a duration of 0', load: '{ model: vus, vus: 1, duration: 0 }', limits: '{}', lines: ['limits.yaml:7:39  load.duration  must be above 0, got 0ms (a load of no time starts nothing)'] },
    { name: '1e10 requests over the run cap', load: '{ model: vus, vus: 1, duration: 1s }', limits: '{ maxRequests: 1e11 }', lines: ['limits.yaml:8:24  limits.maxRequests  at most 10000000000'] },
  ])('refuses $name: exit 2, positioned, nothing sent, no report folder', async ({ load, limits, lines }) => {
    // Prepare
    target = await startRecordingTarget('127.0.0.1');
    const out = join(tempDir(), 'report');
    const plan = planWith(target.origin, load, limits);

    // Act
    const { code, stderr } = await spawnCli(['run', plan, '--out', out]).exited;

    // Assess
    expect(code, stderr).toBe(2);
    for (const line of lines) expect(stderr).toContain(line);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(target.connections).toBe(0);
    expect(existsSync(out)).toBe(false);
  });
});
