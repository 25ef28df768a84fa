import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunReport } from '../../lib/core/report/model.ts';
import { startTarget, type RunningTarget } from '../../lib/target/index.ts';
import { startRecordingTarget } from '../helpers/recording-target.ts';
import { dayInLifeYaml, spawnCli, tempDir, writeTemp } from './helpers.ts';

let target: RunningTarget | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

async function until(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('loadfleet run (spawned CLI)', () => {
  it('on SIGINT starts nothing new, cleans up every created order, writes an aborted report and exits 130', async () => {
    // Prepare: long cleanup waits, so without the stop the run would take minutes
    target = await startTarget({ acceptDelayMs: 30 });
    const plan = writeTemp('plan.yaml', dayInLifeYaml(target.url, { betweenCreates: '100ms', beforeCancel: '60s', beforeEnd: '60s', parallelBatches: 3 }));
    const out = tempDir();
    const cli = spawnCli(['run', plan, '--out', out, '--quiet']);
    const t = target;
    await until(() => t.stats().orders.total >= 10, 30_000);

    // Act
    cli.child.kill('SIGINT');
    const { code } = await cli.exited;

    // Assess
    expect(code).toBe(130);
    const stats = target.stats();
    expect(stats.orders.total).toBeGreaterThanOrEqual(10);
    expect(stats.orders.total).toBeLessThan(200);
    expect(stats.orders.nonTerminal).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
    expect(report.status).toBe('aborted');
    const l = report.lifecycles;
    expect(l.completed + l.failed + l.dropped).toBe(200);
    expect(l.inProgress).toBe(0);
    expect(l.dropped).toBe(200 - stats.orders.total);
    expect(report.states.created).toBe(stats.orders.total);
    expect(report.nonTerminal.count).toBe(0);
  });

  it('rejects malformed YAML with exit 2 and file:line:col before sending anything', async () => {
    const plan = writeTemp('broken.yaml', 'kind: day-in-life\nsimulation: { totalOrders: 5\n');
    const { code, stderr } = await spawnCli(['run', plan]).exited;
    expect(code).toBe(2);
    expect(stderr).toMatch(/broken\.yaml:\d+:\d+/);
  });

  it('reports every problem of an invalid plan, each with its position and key', async () => {
    // Prepare: activatedCount > totalOrders, a wrong type and a bad duration, all in one file
    const text = dayInLifeYaml('http://127.0.0.1:9', { totalOrders: 10, activatedCount: 20 })
      .replace('batchSize: 20', 'batchSize: twenty')
      .replace('betweenGetPolls: 20ms', 'betweenGetPolls: 20x');
    const plan = writeTemp('bad.yaml', text);

    // Act
    const { code, stderr } = await spawnCli(['validate', plan]).exited;

    // Assess
    const lineOf = (needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(code).toBe(2);
    expect(stderr).toContain(`bad.yaml:${lineOf('batchSize')}:`);
    expect(stderr).toContain('simulation.batchSize');
    expect(stderr).toContain(`bad.yaml:${lineOf('betweenGetPolls')}:`);
    expect(stderr).toContain('intervals.betweenGetPolls');
    expect(stderr).toContain(`bad.yaml:${lineOf('activatedCount')}:`);
    expect(stderr).toContain('simulation.activatedCount');
    expect(stderr).toMatch(/activatedCount \(20\) must not exceed totalOrders \(10\)/);
  });

  it('refuses a non-loopback target with exit 2 unless it is allowed explicitly', async () => {
    const plan = writeTemp('plan.yaml', dayInLifeYaml('http://example.com'));
    const { code, stderr } = await spawnCli(['run', plan]).exited;
    expect(code).toBe(2);
    expect(stderr).toContain('not on the allowlist');
  });

  it('validate applies the allowlist: exit 2 for a host that is not allowed, ok with --allow-host', async () => {
    const plan = writeTemp('plan.yaml', dayInLifeYaml('https://api.example.com'));
    const refused = await spawnCli(['validate', plan]).exited;
    const allowed = await spawnCli(['validate', plan, '--allow-host', 'api.example.com']).exited;
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('error: target host "api.example.com" is not on the allowlist.');
    expect(refused.stdout).toBe('');
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/^ok: .*plan\.yaml: plan "e2e" \(day-in-life\)/);
  });

  it('sends the base URL\'s userinfo as Basic auth and prints it nowhere: start line, summary, report files', async () => {
    // Prepare
    const recorder = await startRecordingTarget('127.0.0.1');
    const secret = 's3cr%40t-SENTINEL';
    const basic = Buffer.from('ann:s3cr@t-SENTINEL').toString('base64');
    const plan = writeTemp('plan.yaml', `kind: custom
name: userinfo
target: { baseUrl: "http://ann:${secret}@127.0.0.1:${recorder.port}/api" }
payloads: { count: 2 }
requests: { r: { path: /x } }
lifecycle: [ { request: r } ]
load: { model: batches, batchSize: 1, parallel: 1 }
`);
    const out = tempDir();
    try {
      // Act
      const { code, stdout, stderr } = await spawnCli(['run', plan, '--out', out]).exited;

      // Assess
      expect(code).toBe(0);
      expect(recorder.received.map((r) => [r.line, r.headers.authorization])).toEqual([['GET /api/x', `Basic ${basic}`], ['GET /api/x', `Basic ${basic}`]]);
      expect(stderr).toContain(`against http://127.0.0.1:${recorder.port}/api\n`);
      const files = readdirSync(out).map((name) => readFileSync(join(out, name), 'utf8'));
      expect(files).toHaveLength(2);
      for (const text of [stdout, stderr, ...files]) {
        expect(text).not.toContain('SENTINEL');
        expect(text).not.toContain('s3cr');
        expect(text).not.toContain(basic);
      }
    } finally {
      await recorder.close();
    }
  });
});
