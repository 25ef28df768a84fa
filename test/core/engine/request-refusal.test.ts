import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../../lib/core/engine/compile-plan.ts';
import type { ProgressCounters, Requester } from '../../../lib/core/engine/call-context.ts';
import { RequestExecutor } from '../../../lib/core/engine/request-executor.ts';
import { RunGuard } from '../../../lib/core/engine/run-guard.ts';
import { HttpTransportError } from '../../../lib/core/errors.ts';
import type { TemplateContext } from '../../../lib/core/plan/template.ts';
import { Recorder } from '../../../lib/core/recorder/recorder.ts';
import { Rng } from '../../../lib/core/rng.ts';
import { customPlan, MemoryEvents, runToEnd } from '../../helpers/engine-harness.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { ScriptedHttp } from '../../helpers/scripted-http.ts';

const RETRY = { max: 3, backoff: '100ms', factor: 2, maxBackoff: '1s', jitter: 0 };

/** An executor over fakes; `use` sends the captured `token` in a header, `create` a fixed one. */
function setup(target: Record<string, unknown> = {}) {
  const plan = customPlan({
    target: { baseUrl: 'http://127.0.0.1:8080/', retry: RETRY, circuitBreaker: { failureThreshold: 1, cooldown: '10s' }, ...target },
    requests: {
      use: { method: 'GET', path: '/use', headers: { 'x-token': 'T {{token}}', 'x-fixed': 'same' } },
      fixed: { method: 'GET', path: '/fixed', headers: { 'x-fixed': 'same' } },
    },
    lifecycle: [{ request: 'use' }],
  });
  const compiled = compilePlan(plan);
  const clock = new FakeClock();
  const http = new ScriptedHttp(clock).on('GET', '/use', { status: 200 }).on('GET', '/fixed', { status: 200 });
  const events = new MemoryEvents();
  const guard = new RunGuard({ maxRequests: 1000, deadline: 1e12 });
  const progress: ProgressCounters = { requests: 0, errors: 0 };
  const executor = new RequestExecutor({ http, clock, events, guard, breaker: plan.target.circuitBreaker, progress });
  const recorder = new Recorder(0);
  const who: Requester = { unitId: 'u1', index: 0, key: 'K-1', recorder };
  const ctx = (vars: Record<string, unknown>): TemplateContext => ({ payload: {}, vars, index: 0, runId: 'r', now: clock.now() });
  const send = (name: string, vars: Record<string, unknown> = {}) =>
    runToEnd(clock, executor.execute(compiled.requests.get(name)!, ctx(vars), who, Rng.of(1), { signal: new AbortController().signal }));
  return { clock, http, events, guard, progress, recorder, send };
}

describe('RequestExecutor: a request whose rendered headers cannot go on the wire', () => {
  it.each([
    { what: 'CR LF (header injection)', token: 'abc\r\nx-admin: 1', char: 'CR (U+000D)' },
    { what: 'a bare LF', token: 'abc\nx', char: 'LF (U+000A)' },
    { what: 'NUL', token: 'abc\u0000', char: 'NUL (U+0000)' },
    { what: 'another control character', token: '\u0007', char: 'U+0007' },
  ])('refuses $what from a capture: not sent, counted once as invalid-request, never retried', async ({ token, char }) => {
    // Prepare
    const t = setup();

    // Act
    const outcome = await t.send('use', { token });

    // Assess: nothing reached the client, and the message names the request and the header, not the value
    expect(outcome).toEqual({ ok: false, status: undefined, errorKind: 'invalid-request', message: `use: invalid-request: header x-token holds ${char} (not sent)` });
    expect(t.http.calls).toEqual([]);
    expect(t.recorder.result(0).endpoints['use']).toMatchObject({ attempts: 1, ok: 0, retries: 0, errors: { 'invalid-request': 1 }, statusCodes: {} });
    expect(t.events.ofType('request').map((e) => [e.request, e.attempt, e.errorKind])).toEqual([['use', 1, 'invalid-request']]);
    expect(t.progress).toEqual({ requests: 1, errors: 1 });
    expect(t.guard.admitted).toBe(0);
  });

  it('sends the same request when the captured value is clean (tabs and Latin-1 are fine)', async () => {
    const t = setup();
    const outcome = await t.send('use', { token: 'a\tb café' });
    expect(outcome.ok).toBe(true);
    expect(t.http.calls.map((c) => c.headers['x-token'])).toEqual(['T a\tb café']);
  });

  it('leaves the circuit breaker alone: a refusal is the plan\'s fault, not the target\'s', async () => {
    // Prepare: one failure would open the breaker
    const t = setup();

    // Act
    const refused = await t.send('use', { token: '\r\n' });
    const next = await t.send('use', { token: 'ok' });

    // Assess
    expect(refused.ok ? '' : refused.errorKind).toBe('invalid-request');
    expect(next.ok).toBe(true);
    expect(t.http.timeline()).toEqual(['GET /use @0']);
  });

  it('does not retry when the HTTP client itself refuses the request (undici: UND_ERR_INVALID_ARG), and gives a half-open probe back', async () => {
    // Prepare: a 500 opens the breaker; after the cooldown the probe is refused by the client
    const t = setup({ retry: { max: 0 } });
    t.http.on('GET', '/fixed', { status: 500 }, { error: new HttpTransportError('invalid-request', 'invalid-request: UND_ERR_INVALID_ARG invalid x-fixed header') }, { status: 200 });

    // Act
    const opened = await t.send('fixed');
    await t.clock.advance(10_000);
    const probe = await t.send('fixed');
    const after = await t.send('fixed');

    // Assess: the refused probe said nothing about the target, so the next attempt probes again and closes it
    expect([opened, probe, after].map((o) => (o.ok ? 'ok' : o.errorKind))).toEqual(['http5xx', 'invalid-request', 'ok']);
    expect(probe.ok ? '' : probe.message).toBe('fixed: invalid-request: UND_ERR_INVALID_ARG invalid x-fixed header');
    expect(t.http.timeline()).toEqual(['GET /fixed @0', 'GET /fixed @10000', 'GET /fixed @10000']);
  });
});
