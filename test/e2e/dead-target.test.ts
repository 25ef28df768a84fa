/**
 * Matrix rows 8 (the target answers 5xx / 429) and 13 (connection refused, DNS failure), with the CLI
 * spawned as the `bin` runs it: errors are counted by class against the demo target's ground truth,
 * retried only where the plan says so, and a dead target stops the run fast with its cause named.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunReport } from '../../lib/core/report/model.ts';
import { startTarget, type RunningTarget } from '../../lib/target/index.ts';
import { dayInLifeYaml, ROOT, spawnCli, tempDir, writeTemp } from './helpers.ts';
import { closedPort } from '../helpers/closed-port.ts';

let target: RunningTarget | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

function reportOf(out: string): RunReport {
  return JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
}

/** Lifecycles: create an order (never retried), then GET /_slow (retried up to 3 times); 60 of them. */
function faultPlan(url: string): string {
  return writeTemp('faults.yaml', `kind: custom
name: faults
seed: 1
target:
  baseUrl: ${url}
  timeout: 5s
  retry: { max: 3, backoff: 5ms, maxBackoff: 5ms, jitter: 0 }
  circuitBreaker: false
payloads:
  count: 60
  key: orderNumber
  fields:
    orderNumber: "ORD-{{seq:04}}"
requests:
  create:
    method: POST
    path: /operation/payload
    body: { orderNumber: "{{payload.orderNumber}}", location: L, pocOrder: P, timestamp: "{{now}}", type: accepted, customFields: {} }
    expect: [202]
    retry: false
  slow:
    path: /_slow?ms=0
lifecycle:
  - request: create
  - request: slow
load: { model: batches, batchSize: 10, parallel: 2 }
`);
}

describe('A target that fails (spawned CLI)', () => {
  it('row 8: counts 5xx and 429 by status class, retries only the request whose policy says so, every retry counted', async () => {
    // Prepare: 30% of creates answered 429, 30% of /_slow answered 503. With these seeded draws no 20
    // or more consecutive attempts of a run this short are more than 50% failures, so the abort rule
    // (on by default) must stay quiet.
    target = await startTarget({
      faults: { seed: 1, endpoints: { 'POST /operation/payload': { errorRate: 0.3, errorStatus: 429 }, 'GET /_slow': { errorRate: 0.3, errorStatus: 503 } } },
    });
    const out = tempDir();

    // Act
    const { code } = await spawnCli(['run', faultPlan(target.url), '--out', out, '--quiet']).exited;

    // Assess: the report's counts are the target's
    const report = reportOf(out);
    const stats = target.stats();
    const creates = stats.requests['POST /operation/payload'];
    const slows = stats.requests['GET /_slow'];
    expect(code).toBe(0);
    expect(report.status).toBe('completed');
    const { create, slow } = report.endpoints;
    expect(create?.attempts).toBe(60);
    expect(creates?.total).toBe(60);
    expect(create?.errors).toEqual({ http4xx: stats.faultsInjected['POST /operation/payload'] });
    expect(create?.statusCodes['429']).toBe(creates?.byStatus['429']);
    expect(create?.retries).toBe(0);
    // Every created order sent one logical /_slow request; its retries are the attempts beyond those.
    const logical = creates?.byStatus['202'] ?? 0;
    expect(slow?.attempts).toBe(slows?.total);
    expect(slow?.errors).toEqual({ http5xx: stats.faultsInjected['GET /_slow'] });
    expect(slow?.statusCodes['503']).toBe(slows?.byStatus['503']);
    expect(slow?.retries).toBe((slows?.total ?? 0) - logical);
    expect(slow?.retries).toBeGreaterThan(0);
    expect(report.lifecycles.reasons['create: http4xx 429']).toBe(creates?.byStatus['429']);
    expect(report.lifecycles.completed + (report.lifecycles.reasons['slow: http5xx 503'] ?? 0)).toBe(logical);
  });

  it('row 8: stops the run when the failed share passes the threshold: failed, the rule and the cause named, exit 1', async () => {
    // Prepare: every /_slow attempt is a 503 (each retried 3 times): 4 failures per created order
    target = await startTarget({ faults: { endpoints: { 'GET /_slow': { errorRate: 1, errorStatus: 503 } } } });
    const out = tempDir();

    // Act
    const { code, stderr } = await spawnCli(['run', faultPlan(target.url), '--out', out, '--quiet']).exited;

    // Assess
    const report = reportOf(out);
    const stats = target.stats();
    expect(code).toBe(1);
    expect(report.status).toBe('failed');
    const verdict = /^aborted: error rate \d+(\.\d)?% over the first \S+ is above 50% \(limits\.abortOnErrorRate\): \d+ of \d+ attempts failed; most common: http5xx 503$/;
    expect(report.notes[0]).toMatch(verdict);
    expect(stderr).toContain(report.notes[0]);
    expect(report.lifecycles.dropped).toBeGreaterThan(0);
    expect(report.lifecycles.reasons['stopped: the error rate passed limits.abortOnErrorRate']).toBe(report.lifecycles.dropped);
    expect(report.endpoints.slow?.attempts).toBe(stats.requests['GET /_slow']?.total);
    expect(report.endpoints.slow?.errors.http5xx).toBe(stats.faultsInjected['GET /_slow']);
    expect(report.endpoints.create?.attempts).toBe(stats.requests['POST /operation/payload']?.total);
  });
});

describe('A dead target (spawned CLI)', () => {
  it('row 13: hit against a closed port stops after the rule\'s 20 attempts, names ECONNREFUSED and the address, exits 1', async () => {
    // Prepare
    const port = await closedPort();
    const out = tempDir();

    // Act: asked for 30 s
    const { code, stderr } = await spawnCli(['hit', `http://127.0.0.1:${port}/`, '-c', '4', '-d', '30s', '--out', out, '--quiet']).exited;

    // Assess: the 20th refusal stops it; the 3 other users' requests in flight then end too
    const report = reportOf(out);
    const cause = `connect ECONNREFUSED 127.0.0.1:${port}`;
    expect(code).toBe(1);
    expect(report.status).toBe('failed');
    expect(report.notes[0]).toMatch(new RegExp(`^aborted: error rate 100% over the first \\S+ is above 50% \\(limits\\.abortOnErrorRate\\): 20 of 20 attempts failed; most common: ${cause.replaceAll('.', '\\.')}$`));
    expect(stderr).toContain(report.notes[0]);
    expect(report.totals.requests).toBeGreaterThanOrEqual(20);
    expect(report.totals.requests).toBeLessThanOrEqual(23);
    expect(report.lifecycles.reasons).toEqual({ [`hit: ${cause}`]: report.totals.requests });
    expect(report.durationMs).toBeLessThan(30_000);
  });

  it('row 13: hit --no-abort runs its whole duration, and still exits 1 because every request failed', async () => {
    const port = await closedPort();
    const out = tempDir();
    const { code } = await spawnCli(['hit', `http://127.0.0.1:${port}/`, '-c', '2', '-d', '1s', '--no-abort', '--out', out, '--quiet']).exited;
    const report = reportOf(out);
    expect(code).toBe(1);
    expect(report.status).toBe('failed');
    expect(report.notes).toEqual([]);
    expect(report.expectations).toEqual([{ rule: 'error rate', ok: false, expected: '< 100.00%', actual: '100.00%' }]);
    expect(report.totals.requests).toBeGreaterThan(20);
  });

  it('row 13: a day-in-life run against a closed port stops fast, starts nothing more, exits 1', async () => {
    // Prepare: 200 orders; the seed's retries (3, backing off) and circuit breaker as in the preset
    const port = await closedPort();
    const out = tempDir();
    const plan = writeTemp('plan.yaml', dayInLifeYaml(`http://127.0.0.1:${port}`));

    // Act
    const { code } = await spawnCli(['run', plan, '--out', out, '--quiet']).exited;

    // Assess
    const report = reportOf(out);
    expect(code).toBe(1);
    expect(report.status).toBe('failed');
    expect(report.notes[0]).toMatch(new RegExp(`^aborted: error rate 100% .* most common: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}$`));
    expect(report.lifecycles.completed).toBe(0);
    expect(report.lifecycles.dropped).toBeGreaterThan(100);
    expect(report.lifecycles.reasons[`create: connect ECONNREFUSED 127.0.0.1:${port}`]).toBe(report.lifecycles.failed);
  });

  it('row 13: a name that does not resolve (an injected lookup: nothing is asked of DNS) stops the same way, ENOTFOUND named', async () => {
    // Prepare: the preload fails every lookup of "localhost" in the CLI's process; without it the
    // name would resolve from /etc/hosts to loopback, and the port is closed anyway
    const port = await closedPort();
    const out = tempDir();
    const preload = join(ROOT, 'test/helpers/unresolvable-name.mjs');

    // Act
    const { code } = await spawnCli(['hit', `http://localhost:${port}/`, '-c', '2', '-d', '30s', '--out', out, '--quiet'], {
      nodeArgs: ['--import', preload], env: { LOADFLEET_TEST_UNRESOLVABLE: 'localhost' },
    }).exited;

    // Assess
    const report = reportOf(out);
    expect(code).toBe(1);
    expect(report.notes[0]).toMatch(/20 of 20 attempts failed; most common: connect ENOTFOUND localhost$/);
    expect(report.lifecycles.reasons).toEqual({ 'hit: connect ENOTFOUND localhost': report.totals.requests });
  });
});
