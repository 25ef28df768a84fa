/**
 * Fault-matrix row 16 (ECOSYSTEM.md B5), end to end: a target not on the allowlist, a private or
 * metadata address, a redirect to another host, DNS rebinding, and values that try to move a request.
 * Every listener is on loopback (127.0.0.1 and 127.0.0.2); `spyOnConnect` fails any connection to
 * another address and any real DNS lookup, so even a broken build cannot send traffic off the machine.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Dns from 'node:dns';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hitCommand } from '../../lib/cli/hit-command.ts';
import { runCommand } from '../../lib/cli/run-command.ts';
import { validateCommand } from '../../lib/cli/validate-command.ts';
import type { RunReport } from '../../lib/core/report/model.ts';
import { spyOnConnect, type ConnectSpy } from '../helpers/connect-spy.ts';
import { startRecordingTarget, type Answer, type RecordingTarget } from '../helpers/recording-target.ts';
import { tempDir, writeTemp } from './helpers.ts';

const dns = createRequire(import.meta.url)('node:dns') as typeof Dns;

/** A one-lifecycle custom plan: `requests` run in order, no retries. */
function planYaml(baseUrl: string, requests: Record<string, string>, fields = ''): string {
  const names = Object.keys(requests);
  return `kind: custom
name: allowlist
target: { baseUrl: "${baseUrl}", retry: { max: 0 }, circuitBreaker: false }
payloads: { count: 1, fields: { ${fields} } }
requests:
${names.map((name) => `  ${name}: ${requests[name]}`).join('\n')}
lifecycle: [ ${names.map((name) => `{ request: ${name} }`).join(', ')} ]
load: { model: batches, batchSize: 1, parallel: 1 }
`;
}

let a: RecordingTarget;
let b: RecordingTarget;
let spy: ConnectSpy;
let log: string[];
const say = (line: string): void => void log.push(line);

/** Runs a plan in-process as `loadfleet run` does; returns the exit code and the report, if any. */
async function run(yaml: string, allowHost: string[] = []): Promise<{ exitCode: number; report?: RunReport; out: string }> {
  const out = tempDir();
  const result = await runCommand(writeTemp('plan.yaml', yaml), { out, quiet: true, allowHost }, say);
  return { exitCode: result.exitCode, report: result.report, out };
}

beforeEach(async () => {
  log = [];
  spy = spyOnConnect();
  b = await startRecordingTarget('127.0.0.2');
});
afterEach(async () => {
  spy.restore();
  await Promise.all([a?.close(), b.close()]);
});

const startA = async (answer: (line: string) => Answer): Promise<void> => void (a = await startRecordingTarget('127.0.0.1', answer));

describe('a value can never move a request to another host', () => {
  it('refuses a templated baseUrl (the reported exploit): neither listener receives anything', async () => {
    // Prepare: the payload field would have made the request land on 127.0.0.2
    await startA(() => ({}));
    const yaml = planYaml(`http://{{payload.h}}@127.0.0.1:${a.port}`, { r: '{ path: /x }' }, `h: "127.0.0.2:${b.port}/x?"`);

    // Act
    const { exitCode } = await run(yaml);

    // Assess
    expect(exitCode).toBe(2);
    expect(log.join('\n')).toMatch(/plan\.yaml:3:\d+ {2}target\.baseUrl {2}baseUrl cannot hold a template/);
    expect([a.connections, b.connections]).toEqual([0, 0]);
  });

  it('keeps every request on the plan\'s origin, whatever a captured or payload value holds', async () => {
    // Prepare: A hands out values shaped like authorities and absolute URLs
    const elsewhere = `127.0.0.2:${b.port}`;
    await startA((line) => (line === 'GET /seed' ? { body: { a: `//${elsewhere}/x`, b: `@${elsewhere}/`, c: `http://${elsewhere}/`, d: `\\\\${elsewhere}/` } } : {}));
    const yaml = planYaml(`http://127.0.0.1:${a.port}`, {
      seed: '{ path: /seed, capture: { a: $.a, b: $.b, c: $.c, d: $.d } }',
      ra: '{ path: "/{{a:raw}}" }',
      rb: '{ path: "/{{b:raw}}" }',
      rc: '{ path: "/{{c:raw}}" }',
      rd: '{ path: "/{{d:raw}}" }',
      ea: '{ path: "/{{a}}" }',
      pr: '{ path: "/{{payload.h:raw}}" }',
      pe: '{ path: "/{{payload.h}}" }',
    }, `h: "${elsewhere}/x?"`);

    // Act
    const { exitCode, report } = await run(yaml);

    // Assess
    expect(exitCode).toBe(0);
    expect(report?.lifecycles).toMatchObject({ completed: 1, failed: 0 });
    expect(a.received.map((r) => r.line)).toEqual([
      'GET /seed',
      `GET /${elsewhere}/x`,
      `GET /@${elsewhere}/`,
      `GET /http://${elsewhere}/`,
      `GET /${elsewhere}/`,
      `GET /%2F%2F127.0.0.2%3A${b.port}%2Fx`,
      `GET /${elsewhere}/x?`,
      `GET /127.0.0.2%3A${b.port}%2Fx%3F`,
    ]);
    expect(a.received.every((r) => r.headers.host === `127.0.0.1:${a.port}`)).toBe(true);
    expect({ connections: b.connections, requests: b.received.length }).toEqual({ connections: 0, requests: 0 });
  });

  it('percent-encodes a captured value in the path and the query: the target gets one segment and one parameter', async () => {
    // Prepare
    await startA((line) => (line.endsWith('/seed') ? { body: { v: '../../admin?role=admin&x=' } } : {}));
    const yaml = planYaml(`http://127.0.0.1:${a.port}/api`, { seed: '{ path: /seed, capture: { v: $.v } }', use: '{ path: "/orders/{{v}}?note={{v}}&n={{seq:03}}" }' });
    const seedAtRoot = yaml.replace('path: /seed', 'path: /../seed');

    // Act
    const { exitCode } = await run(seedAtRoot);

    // Assess: the literal text is sent as written, each value encoded
    expect(exitCode).toBe(0);
    expect(a.received.map((r) => r.line)).toEqual([
      'GET /api/../seed',
      'GET /api/orders/..%2F..%2Fadmin%3Frole%3Dadmin%26x%3D?note=..%2F..%2Fadmin%3Frole%3Dadmin%26x%3D&n=001',
    ]);
  });
});

describe('the allowlist: validate, run and hit share it', () => {
  it('validate refuses a host that is not allowed with exit 2, and accepts it with --allow-host (sending nothing)', async () => {
    // Prepare
    const file = writeTemp('plan.yaml', planYaml('https://api.example.com', { r: '{ path: /x }' }));

    // Act
    const refused = await validateCommand(file, {}, say);
    const allowed = await validateCommand(file, { allowHost: ['api.example.com'] }, say);

    // Assess
    expect([refused, allowed]).toEqual([2, 0]);
    expect(log).toEqual([
      'error: target host "api.example.com" is not on the allowlist. Local runs may only target loopback (127.0.0.0/8, ::1, localhost) unless you pass --allow-host api.example.com for a system you own and may load-test.',
    ]);
    expect(spy.calls).toBe(0);
  });

  it.each(['http://169.254.169.254/latest/meta-data', 'http://[fd00:ec2::254]', 'http://[::ffff:169.254.169.254]'])(
    'refuses the metadata address %s in validate, run and hit, even with --allow-host, sending nothing',
    async (url) => {
      // Prepare
      const allowHost = ['169.254.169.254', 'fd00:ec2::254', '::ffff:a9fe:a9fe'];
      const base = new URL(url).origin;
      const file = writeTemp('plan.yaml', planYaml(base, { r: '{ path: /latest/meta-data }' }));

      // Act
      const validated = await validateCommand(file, { allowHost }, say);
      const ran = await runCommand(file, { quiet: true, out: tempDir(), allowHost }, say);
      const hit = await hitCommand(url, { connections: 1, duration: '1s', method: 'GET', timeout: '1s', quiet: true, allowHost }, say);

      // Assess
      expect([validated, ran.exitCode, hit.exitCode]).toEqual([2, 2, 2]);
      expect(log).toHaveLength(3);
      for (const line of log) expect(line).toMatch(/^error: target host ".+" is a cloud metadata address \(where instance credentials live\): loadfleet never sends to it, even with --allow-host$/);
      expect(spy.calls).toBe(0);
    },
  );

  it('holds --base-url to the same rules as target.baseUrl: no template, then the allowlist', async () => {
    const file = writeTemp('plan.yaml', planYaml('http://127.0.0.1:9', { r: '{ path: /x }' }));
    const templated = await runCommand(file, { quiet: true, out: tempDir(), baseUrl: `http://{{payload.h}}@127.0.0.1:${b.port}` }, say);
    const offList = await runCommand(file, { quiet: true, out: tempDir(), baseUrl: 'https://api.example.com' }, say);
    expect([templated.exitCode, offList.exitCode]).toEqual([2, 2]);
    expect(log[0]).toBe('error: --base-url cannot hold a template ({{ }}): the origin of every request is fixed before the run starts. Put values in a request\'s path instead');
    expect(log[1]).toContain('error: target host "api.example.com" is not on the allowlist.');
    expect(spy.calls).toBe(0);
  });

  it('refuses an --allow-host that is not a host, with exit 2', async () => {
    const file = writeTemp('plan.yaml', planYaml('http://127.0.0.1:9', { r: '{ path: /x }' }));
    expect(await validateCommand(file, { allowHost: ['https://api.example.com/'] }, say)).toBe(2);
    expect(log[0]).toContain('--allow-host entry "https://api.example.com/" is not a host');
  });

  it('run: a name allowed with --allow-host that resolves to a private address gets no connection (a connect error)', async () => {
    // Prepare: the system resolver answers 10.0.0.1 for the allowed name (DNS rebinding at connect time)
    await startA(() => ({}));
    const asked: string[] = [];
    const realLookup = dns.lookup;
    dns.lookup = ((hostname: string, _options: unknown, callback: (...args: unknown[]) => void) => {
      asked.push(hostname);
      setImmediate(() => callback(null, [{ address: '10.0.0.1', family: 4 }]));
    }) as typeof dns.lookup;
    try {
      // Act
      const { exitCode, report } = await run(planYaml(`http://svc.loadfleet.test:${a.port}`, { r: '{ path: /x }' }), ['svc.loadfleet.test']);

      // Assess
      expect(exitCode).toBe(0);
      expect(asked).toEqual(['svc.loadfleet.test']);
      expect(report?.endpoints.r?.errors).toEqual({ connect: 1 });
      // The failure reason names the refused address (the full message, with the name, is asserted in
      // guarded-connector.test.ts).
      expect(report?.lifecycles.reasons).toEqual({ 'r: connect 10.0.0.1 not allowed (private)': 1 });
      expect(spy.attempts).toEqual([]);
      expect(a.connections).toBe(0);
    } finally {
      dns.lookup = realLookup;
    }
  });
});

describe('redirects', () => {
  it('does not follow a 302 to another host: the attempt is recorded with status 302 and the other listener gets nothing', async () => {
    // Prepare
    await startA(() => ({ status: 302, headers: { location: `http://127.0.0.2:${b.port}/landed` } }));

    // Act
    const { exitCode, report, out } = await run(planYaml(`http://127.0.0.1:${a.port}`, { go: '{ path: /go }' }));

    // Assess
    expect(exitCode).toBe(0);
    expect(a.received.map((r) => r.line)).toEqual(['GET /go']);
    expect(report?.endpoints.go?.errors).toEqual({ 'unexpected-status': 1 });
    const rows = readFileSync(join(out, 'events.csv'), 'utf8').split('\n').filter((row) => row.includes(',request,go,'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain(',request,go,1,302,');
    expect({ connections: b.connections, requests: b.received.length }).toEqual({ connections: 0, requests: 0 });
  });
});
