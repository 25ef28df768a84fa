import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunReport } from '../../lib/core/report/model.ts';
import { startCountingTarget, stopCountingTarget, type CountingTarget } from '../helpers/counting-target.ts';
import { ROOT, spawnCli, tempDir, writeTemp } from './helpers.ts';

/** A stack frame line, as Node prints them: none may reach a user. */
const STACK_FRAME = /^\s+at /m;

let counting: CountingTarget | undefined;
let server: Server | undefined;
afterEach(async () => {
  if (counting) await stopCountingTarget(counting);
  counting = undefined;
  if (server) {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  }
  server = undefined;
});

/**
 * Spawns the CLI with a test-only preload (test/helpers/crash-preload.ts) that makes it fail mid-command
 * as `mode` says, and the extra environment given.
 */
function spawnCrashing(mode: string, args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', './test/helpers/crash-preload.ts', 'bin/loadfleet.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0', LOADFLEET_DEBUG: '', LOADFLEET_TEST_CRASH: mode, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

const BUG_HINT = /^loadfleet: this is a bug in loadfleet \S+ \(node v[\d.]+\)\. Please report it with the line above, the command you ran and the plan \(secrets taken out\); LOADFLEET_DEBUG=1 prints the stack\.$/;

describe('loadfleet with bad input (spawned CLI)', () => {
  it('refuses a self-referencing YAML alias with exit 2, the alias\'s position and key, and no stack (was: RangeError, exit 1)', async () => {
    // Prepare: the reproduction
    const plan = writeTemp('loop.yaml', `kind: custom
name: loop
target: { baseUrl: "http://127.0.0.1:9" }
requests:
  a: { method: GET, path: /a }
lifecycle: &loop [ {request: a}, { choose: { chance: 0.5, then: *loop } } ]
load: { model: burst, count: 1 }
`);

    // Act
    const { code, stderr } = await spawnCli(['validate', plan]).exited;

    // Assess
    expect(code).toBe(2);
    expect(stderr).toBe(`error: invalid plan\n${plan}:6:65  lifecycle[1].choose.then  alias *loop refers to the value that contains it: that value would never end\n`);
  });

  it('fault matrix row 14: malformed plan YAML exits 2 before any traffic, with file:line:col and the key', async () => {
    // Prepare: a listening target the plan points at, so any traffic would be counted
    counting = await startCountingTarget();
    const broken = writeTemp('broken.yaml', `kind: custom
name: broken
target:
  baseUrl: ${counting.origin}
requests:
  a: { method: GET, path: /a
lifecycle: [ { request: a } ]
load: { model: burst, count: 1 }
`);
    const duplicate = writeTemp('dup.yaml', `kind: custom\nname: dup\ntarget:\n  baseUrl: ${counting.origin}\n  timeout: 5s\n  timeout: 6s\nrequests: { a: { path: /a } }\nlifecycle: [ { request: a } ]\nload: { model: burst, count: 1 }\n`);
    const out = tempDir();

    // Act
    const first = await spawnCli(['run', broken, '--out', out]).exited;
    const second = await spawnCli(['run', duplicate, '--out', out]).exited;

    // Assess: the exact messages, and not one connection
    expect(first.code).toBe(2);
    expect(first.stderr).toBe(
      `error: invalid plan\n${broken}:7:1  requests.a  Flow map in block collection must be sufficiently indented and end with a } (the { opened at line 6, column 6 is not closed)\n`,
    );
    expect(second.code).toBe(2);
    expect(second.stderr).toBe(`error: invalid plan\n${duplicate}:6:3  target.timeout  duplicate key "timeout" (keys must be unique)\n`);
    expect(counting.connections).toBe(0);
  });

  it('refuses a bad hit -H header with exit 2, naming the header but not its value, before any traffic', async () => {
    // Prepare
    counting = await startCountingTarget();

    // Act
    const badValue = await spawnCli(['hit', `${counting.origin}/`, '-d', '1s', '-H', 'authorization: Bearer s3cr3t\r\nx-admin: 1']).exited;
    const badName = await spawnCli(['hit', `${counting.origin}/`, '-d', '1s', '-H', 'x bad: 1']).exited;

    // Assess
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toBe('error: invalid -H authorization: the value holds CR (U+000D): a header value may not hold CR, LF, NUL, other control characters (tab aside) or characters above U+00FF\n');
    expect(badName.code).toBe(2);
    expect(badName.stderr).toBe('error: invalid -H header name "x bad": a header name is letters, digits and !#$%&\'*+-.^_`|~ only\n');
    expect(counting.connections).toBe(0);
  });

  it('does not send a header a capture filled with CR LF: the target gets nothing for it, the report counts it as invalid-request by name', async () => {
    // Prepare: /create answers a token that carries a header injection; /use would carry it
    const received: Record<string, number> = {};
    server = createServer((req, res) => {
      const path = req.url ?? '';
      received[path] = (received[path] ?? 0) + 1;
      res.setHeader('content-type', 'application/json');
      res.end(path === '/create' ? JSON.stringify({ token: `t-${received[path]}\r\nx-injected: yes` }) : '{}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // One failure would open the breaker and three retries would follow a retryable error: neither may happen
    const plan = writeTemp('capture.yaml', `kind: custom
name: capture-crlf
target:
  baseUrl: ${origin}
  retry: { max: 3, backoff: 10ms }
  circuitBreaker: { failureThreshold: 1, cooldown: 60s }
payloads: { count: 3 }
requests:
  create: { method: POST, path: /create, capture: { token: $.token } }
  use: { method: GET, path: /use, headers: { x-token: "{{token}}" } }
lifecycle: [ { request: create }, { request: use } ]
load: { model: batches, batchSize: 3, parallel: 1 }
`);
    const out = tempDir();

    // Act
    const { code, stdout, stderr } = await spawnCli(['run', plan, '--out', out]).exited;

    // Assess: ground truth first
    expect(received).toEqual({ '/create': 3 });
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
    expect(report.endpoints['use']).toMatchObject({ attempts: 3, ok: 0, retries: 0, errors: { 'invalid-request': 3 } });
    expect(report.endpoints['create']).toMatchObject({ attempts: 3, ok: 3 });
    expect(report.lifecycles).toMatchObject({ planned: 3, completed: 0, failed: 3, reasons: { 'use: invalid-request: header x-token holds CR (U+000D) (not sent)': 3 } });
    expect(code).toBe(0);
    const events = readFileSync(join(out, 'events.csv'), 'utf8');
    expect(events.split('\n').filter((line) => line.includes(',use,') && line.includes('invalid-request'))).toHaveLength(3);
    // The value is never printed or stored
    for (const text of [stdout, stderr, readFileSync(join(out, 'report.json'), 'utf8'), events]) expect(text).not.toContain('x-injected');
  });

  describe('an unexpected error', () => {
    it('inside a command: one line naming what failed, the bug hint, exit 70, no stack, secrets hidden', async () => {
      // Prepare: a valid plan whose header comes from the environment; the injected error quotes the secret
      const plan = writeTemp('secret.yaml', `kind: custom
name: secret
target: { baseUrl: "http://127.0.0.1:9", headers: { authorization: "Bearer \${env:LOADFLEET_TEST_SECRET}" } }
requests: { a: { path: /a } }
lifecycle: [ { request: a } ]
load: { model: burst, count: 1 }
`);

      // Act
      const { code, stdout, stderr } = await spawnCrashing('command', ['validate', plan], { LOADFLEET_TEST_SECRET: 'hunter2secret' });

      // Assess
      expect(code).toBe(70);
      expect(stdout).toBe('');
      const lines = stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toBe(`loadfleet: internal error while validating ${plan}: RangeError: Invalid array length for ***`);
      expect(lines[1]).toMatch(BUG_HINT);
      expect(stderr).not.toMatch(STACK_FRAME);
      expect(stderr).not.toContain('hunter2secret');
    });

    it('prints the stack, still without the secret, when LOADFLEET_DEBUG=1', async () => {
      const plan = writeTemp('secret.yaml', 'kind: custom\nname: s\ntarget: { baseUrl: "http://127.0.0.1:9", headers: { x-k: "${env:LOADFLEET_TEST_SECRET}" } }\nrequests: { a: { path: /a } }\nlifecycle: [ { request: a } ]\nload: { model: burst, count: 1 }\n');
      const { code, stderr } = await spawnCrashing('command', ['validate', plan], { LOADFLEET_TEST_SECRET: 'hunter2secret', LOADFLEET_DEBUG: '1' });
      expect(code).toBe(70);
      expect(stderr).toMatch(STACK_FRAME);
      expect(stderr).toContain('at validateCommand');
      expect(stderr).not.toContain('hunter2secret');
    });

    it.each([
      { mode: 'uncaught', line: "TypeError: Cannot read properties of undefined (reading 'orders')" },
      { mode: 'rejection', line: 'Error: socket pool drained twice' },
    ])('outside any command ($mode, in the long-running demo target): the same one line and exit 70', async ({ mode, line }) => {
      // Act
      const { code, stdout, stderr } = await spawnCrashing(mode, ['target', '--port', '0']);

      // Assess
      expect(code).toBe(70);
      expect(stdout).toMatch(/^demo target listening on http:\/\/127\.0\.0\.1:\d+/);
      const lines = stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toBe(`loadfleet: internal error while running the demo target: ${line}`);
      expect(lines[1]).toMatch(BUG_HINT);
    });

    it('leaves expected errors their own exit code: a usage error and an invalid plan exit 2, without a stack', async () => {
      const usage = await spawnCli(['run']).exited;
      const invalid = await spawnCli(['validate', writeTemp('bad.yaml', 'kind: custom\n')]).exited;
      expect([usage.code, invalid.code]).toEqual([2, 2]);
      expect(usage.stderr).toMatch(/^error: missing required argument 'plan'/);
      expect(invalid.stderr).toMatch(/^error: invalid plan\n/);
      for (const { stderr } of [usage, invalid]) expect(stderr).not.toMatch(STACK_FRAME);
    });
  });
});
