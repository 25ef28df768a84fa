import { describe, expect, it } from 'vitest';
import { HttpTransportError } from '../../../lib/core/errors.ts';
import { compilePlan } from '../../../lib/core/engine/compile-plan.ts';
import type { ProgressCounters, Requester } from '../../../lib/core/engine/call-context.ts';
import { RequestExecutor } from '../../../lib/core/engine/request-executor.ts';
import { RunGuard } from '../../../lib/core/engine/run-guard.ts';
import type { TemplateContext } from '../../../lib/core/plan/template.ts';
import { Recorder } from '../../../lib/core/recorder/recorder.ts';
import { ERROR_RATE_STOP_REASON, ErrorRateWindow } from '../../../lib/core/resilience/error-rate-window.ts';
import { Rng } from '../../../lib/core/rng.ts';
import { customPlan, MemoryEvents, runToEnd } from '../../helpers/engine-harness.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { ScriptedHttp } from '../../helpers/scripted-http.ts';

const NO_JITTER_RETRY = { max: 3, backoff: '100ms', factor: 2, maxBackoff: '1s', jitter: 0 };

/** An executor over fakes for a plan with the given target and requests. */
function setup(target: Record<string, unknown>, requests: Record<string, unknown>, opts: { maxRequests?: number; deadline?: number } = {}) {
  const plan = customPlan({
    target: { baseUrl: 'http://127.0.0.1:8080/', circuitBreaker: false, ...target },
    requests,
    lifecycle: [{ request: Object.keys(requests)[0] }],
  });
  const compiled = compilePlan(plan);
  const clock = new FakeClock();
  const http = new ScriptedHttp(clock);
  const events = new MemoryEvents();
  const guard = new RunGuard({ maxRequests: opts.maxRequests ?? 1000, deadline: opts.deadline ?? 1e12 });
  const progress: ProgressCounters = { requests: 0, errors: 0 };
  const executor = new RequestExecutor({ http, clock, events, guard, breaker: plan.target.circuitBreaker, progress });
  const recorder = new Recorder(0);
  const who: Requester = { unitId: 'u1', index: 0, key: 'K-1', recorder };
  const ctx = (vars: Record<string, unknown> = {}): TemplateContext => ({ payload: { n: 1 }, vars, index: 0, runId: 'r', now: clock.now() });
  const req = (name: string) => compiled.requests.get(name)!;
  const signal = new AbortController().signal;
  return { compiled, clock, http, events, guard, progress, executor, recorder, who, ctx, req, signal };
}

describe('Class: RequestExecutor', () => {
  describe('Method: execute (retries)', () => {
    it('retries a 503 after exactly the backoff delays, recording every attempt', async () => {
      // Prepare
      const t = setup({ retry: NO_JITTER_RETRY }, { create: { method: 'POST', path: '/orders', expect: [202], capture: { id: '$.id' } } });
      t.http.on('POST', '/orders', { status: 503 }, { status: 503 }, { status: 503 }, { status: 202, body: { id: 'o-1' } });

      // Act
      const outcome = await runToEnd(t.clock, t.executor.execute(t.req('create'), t.ctx(), t.who, Rng.of(1), { signal: t.signal }));

      // Assess
      expect(outcome).toEqual({ ok: true, status: 202, json: { id: 'o-1' } });
      expect(t.http.timeline()).toEqual(['POST /orders @0', 'POST /orders @100', 'POST /orders @300', 'POST /orders @700']);
      const ep = t.recorder.result(1000).endpoints['create'];
      expect(ep).toMatchObject({ attempts: 4, ok: 1, retries: 3, errors: { http5xx: 3 }, statusCodes: { '202': 1, '503': 3 } });
      expect(t.events.ofType('request').map((e) => [e.attempt, e.status, e.errorKind, e.at])).toEqual([
        [1, 503, 'http5xx', 0], [2, 503, 'http5xx', 100], [3, 503, 'http5xx', 300], [4, 202, undefined, 700],
      ]);
      expect(t.progress).toEqual({ requests: 4, errors: 3 });
    });

    it('resends the same rendered request on a retry: one {{uuid}} per logical request, not per attempt', async () => {
      // Prepare
      const t = setup({ retry: NO_JITTER_RETRY }, { hook: { method: 'POST', path: '/hooks', body: { event_id: '{{uuid}}' } } });
      t.http.on('POST', '/hooks', { status: 503 }, { status: 200 });

      // Act
      const lifecycleRng = Rng.of(7);
      await runToEnd(t.clock, t.executor.execute(t.req('hook'), { ...t.ctx(), rng: lifecycleRng }, t.who, Rng.of(1), { signal: t.signal }));
      await runToEnd(t.clock, t.executor.execute(t.req('hook'), { ...t.ctx(), rng: lifecycleRng }, t.who, Rng.of(2), { signal: t.signal }));

      // Assess: the retry carries the first attempt's id; the next logical request a new one
      const ids = t.http.calls.map((c) => (JSON.parse(c.body ?? '{}') as { event_id: string }).event_id);
      expect(ids).toHaveLength(3);
      expect(ids[1]).toBe(ids[0]);
      expect(ids[2]).not.toBe(ids[0]);
    });

    it('classifies a 2xx whose body lacks a captured path as invalid-response, without retrying', async () => {
      // Prepare
      const t = setup({ retry: NO_JITTER_RETRY }, { create: { method: 'POST', path: '/orders', expect: [202], capture: { id: '$.id' } } });
      t.http.on('POST', '/orders', { status: 202, body: { other: 1 } });

      // Act
      const outcome = await runToEnd(t.clock, t.executor.execute(t.req('create'), t.ctx(), t.who, Rng.of(1), { signal: t.signal }));

      // Assess
      expect(outcome).toMatchObject({ ok: false, status: 202, errorKind: 'invalid-response' });
      expect(outcome.ok ? '' : outcome.message).toContain('capture id ($.id) missing');
      expect(t.http.timeline()).toEqual(['POST /orders @0']);
    });

    it('waits as backoffDelay says: capped at maxBackoff', async () => {
      // Prepare
      const t = setup({ retry: { max: 5, backoff: '300ms', factor: 3, maxBackoff: '1s', jitter: 0 } }, { ping: { path: '/ping' } });
      t.http.on('GET', '/ping', { status: 500 });

      // Act
      const outcome = await runToEnd(t.clock, t.executor.execute(t.req('ping'), t.ctx(), t.who, Rng.of(1), { signal: t.signal }));

      // Assess: delays 300, 900, 1000, 1000, 1000
      expect(t.http.calls.map((c) => c.at)).toEqual([0, 300, 1200, 2200, 3200, 4200]);
      expect(outcome).toEqual({ ok: false, status: 500, errorKind: 'http5xx', message: 'ping: HTTP 500' });
    });

    it('gives up after retry.max retries with the last failure', async () => {
      // Prepare
      const t = setup({ retry: { ...NO_JITTER_RETRY, max: 2 } }, { create: { method: 'POST', path: '/orders' } });
      t.http.on('POST', '/orders', { status: 503 });

      // Act
      const outcome = await runToEnd(t.clock, t.executor.execute(t.req('create'), t.ctx(), t.who, Rng.of(1), { signal: t.signal }));

      // Assess
      expect(outcome).toEqual({ ok: false, status: 503, errorKind: 'http5xx', message: 'create: HTTP 503' });
      expect(t.http.calls).toHaveLength(3);
      expect(t.recorder.result(0).endpoints['create']).toMatchObject({ attempts: 3, retries: 2, ok: 0 });
    });

    it.each([404, 409, 400])('does not retry a %i', async (status) => {
      // Prepare
      const t = setup({ retry: NO_JITTER_RETRY }, { create: { method: 'POST', path: '/orders' } });
      t.http.on('POST', '/orders', { status });

      // Act
      const outcome = await runToEnd(t.clock, t.executor.execute(t.req('create'), t.ctx(), t.who, Rng.of(1), { signal: t.signal }));

      // Assess
      expect(outcome).toEqual({ ok: false, status, errorKind: 'http4xx', message: `create: HTTP ${status}` });
      expect(t.http.timeline()).toEqual(['POST /orders @0']);
    });

    it('retries a 429', async () => {
      // Prepare
      const t = setup({ retry: NO_JITTER_RETRY }, { create: { method: 'POST', path: '/orders' } });
      t.http.on('POST', '/orders', { status: 429 }, { status: 201 });

      // Act
      const outcome = await runToEnd(t.clock, t.executor.execute(t.req('create'), t.ctx(), t.who, Rng.of(1), { signal: t.signal }));

      // Assess
      expect(outcome).toEqual({ ok: true, status: 201, json: undefined });
      expect(t.http.timeline()).toEqual(['POST /orders @0', 'POST /orders @100']);
      expect(t.recorder.result(0).endpoints['create']?.errors).toEqual({ http4xx: 1 });
    });

    it.each(['connect', 'timeout', 'network'] as const)('retries a transport %s error', async (kind) => {
      // Prepare
      const t = setup({ retry: NO_JITTER_RETRY }, { create: { method: 'POST', path: '/orders' } });
      t.http.on('POST', '/orders', { error: new HttpTransportError(kind, 'boom') }, { status: 200 });

      // Act
      const outcome = await runToEnd(t.clock, t.executor.execute(t.req('create'), t.ctx(), t.who, Rng.of(1), { signal: t.signal }));

      // Assess
      expect(outcome.ok).toBe(true);
      expect(t.http.timeline()).toEqual(['POST /orders @0', 'POST /orders @100']);
      expect(t.recorder.result(0).endpoints['create']).toMatchObject({ attempts: 2, retries: 1, errors: { [kind]: 1 }, statusCodes: { '200': 1 } });
    });

    it('classifies an error that is not an HttpTransportError as network', async () => {
      // Prepare
      const t = setup({ retry: { max: 0 } }, { create: { method: 'POST', path: '/orders' } });
      t.http.on('POST', '/orders', { error: new TypeError('socket hang up') });

      // Act
      const outcome = await runToEnd(t.clock, t.executor.execute(t.req('create'), t.ctx(), t.who, Rng.of(1), { signal: t.signal }));

      // Assess
      expect(outcome).toEqual({ ok: false, status: undefined, errorKind: 'network', message: 'create: socket hang up' });
    });

    it('does not retry when the request says retry: false', async () => {
      // Prepare
      const t = setup({ retry: NO_JITTER_RETRY }, { create: { method: 'POST', path: '/orders', retry: false } });
      t.http.on('POST', '/orders', { status: 503 });

      // Act
      await runToEnd(t.clock, t.executor.execute(t.req('create'), t.ctx(), t.who, Rng.of(1), { signal: t.signal }));

      // Assess
      expect(t.http.calls).toHaveLength(1);
    });

    it('stops retrying when the signal aborts during the backoff', async () => {
      // Prepare
      const t = setup({ retry: { ...NO_JITTER_RETRY, backoff: '1s', maxBackoff: '10s' } }, { create: { method: 'POST', path: '/orders' } });
      t.http.on('POST', '/orders', { status: 503 });
      const stop = new AbortController();
      const running = t.executor.execute(t.req('create'), t.ctx(), t.who, Rng.of(1), { signal: stop.signal });

      // Act
      await t.clock.advance(500);
      stop.abort(new Error('stop'));
      const outcome = await runToEnd(t.clock, running);

      // Assess
      expect(outcome).toEqual({ ok: false, status: 503, errorKind: 'http5xx', message: 'create: HTTP 503' });
      expect(t.http.calls).toHaveLength(1);
    });
  });

  describe('Method: execute (responses)', () => {
    it('reports a status outside `expect` as unexpected-status, without retrying', async () => {
      // Prepare
      const t = setup({ retry: NO_JITTER_RETRY }, { create: { method: 'POST', path: '/orders', expect: [202] } });
      t.http.on('POST', '/orders', { status: 200 });

      // Act
      const outcome = await runToEnd(t.clock, t.executor.execute(t.req('create'), t.ctx(), t.who, Rng.of(1), { signal: t.signal }));

      // Assess
      expect(outcome).toEqual({ ok: false, status: 200, errorKind: 'unexpected-status', message: 'create: HTTP 200' });
      expect(t.http.calls).toHaveLength(1);
    });

    it('accepts a listed non-2xx status', async () => {
      // Prepare
      const t = setup({}, { gone: { method: 'DELETE', path: '/x', expect: [404] } });
      t.http.on('DELETE', '/x', { status: 404 });

      // Act
      const outcome = await runToEnd(t.clock, t.executor.execute(t.req('gone'), t.ctx(), t.who, Rng.of(1), { signal: t.signal }));

      // Assess
      expect(outcome).toEqual({ ok: true, status: 404, json: undefined });
    });

    it('reports a body that is not JSON as invalid-response when it must be read', async () => {
      // Prepare
      const t = setup({ retry: NO_JITTER_RETRY }, { create: { method: 'POST', path: '/orders', capture: { id: '$.id' } } });
      t.http.on('POST', '/orders', { status: 200, body: '<html>' });

      // Act
      const outcome = await runToEnd(t.clock, t.executor.execute(t.req('create'), t.ctx(), t.who, Rng.of(1), { signal: t.signal }));

      // Assess
      expect(outcome).toEqual({ ok: false, status: 200, errorKind: 'invalid-response', message: 'create: response is not JSON' });
      expect(t.http.calls).toHaveLength(1);
    });

    it('renders URL, headers and JSON body, and reads the body only when needed', async () => {
      // Prepare
      const t = setup(
        { headers: { Authorization: 'Bearer t', 'X-Run': 'base' }, timeout: '2s' },
        {
          create: { method: 'POST', path: '/orders/{{payload.n}}?id={{id}}', headers: { 'x-run': '{{run.id}}' }, body: { id: '{{id}}', n: '{{payload.n}}' } },
          raw: { method: 'PUT', path: '/raw', body: 'id={{id}}', timeout: '250ms', capture: { ok: '$.ok' } },
        },
      );
      t.http.on('PUT', '/raw', { status: 200, body: { ok: true } });

      // Act
      await runToEnd(t.clock, t.executor.execute(t.req('create'), t.ctx({ id: 'o-9' }), t.who, Rng.of(1), { signal: t.signal }));
      await runToEnd(t.clock, t.executor.execute(t.req('raw'), t.ctx({ id: 'o-9' }), t.who, Rng.of(1), { signal: t.signal }));

      // Assess
      const [create, raw] = t.http.calls;
      expect(create).toEqual({
        at: 0, method: 'POST', path: '/orders/1?id=o-9', url: 'http://127.0.0.1:8080/orders/1?id=o-9',
        headers: { authorization: 'Bearer t', 'x-run': 'r', 'content-type': 'application/json' },
        body: '{"id":"o-9","n":1}', timeoutMs: 2000, readBody: false,
      });
      expect(raw).toMatchObject({ headers: { authorization: 'Bearer t', 'x-run': 'base' }, body: 'id=o-9', timeoutMs: 250, readBody: true });
    });

    it('measures the first attempt from the intended start', async () => {
      // Prepare
      const t = setup({}, { ping: { path: '/ping' } });
      t.http.on('GET', '/ping', { status: 200, delayMs: 100 });
      await t.clock.advance(1000);

      // Act
      await runToEnd(t.clock, t.executor.execute(t.req('ping'), t.ctx(), t.who, Rng.of(1), { signal: t.signal, intendedStart: 750 }));

      // Assess
      expect(t.events.ofType('request')[0]).toMatchObject({ at: 1100, latencyMs: 350, status: 200, attempt: 1, key: 'K-1', unitId: 'u1' });
    });
  });

  describe('Method: execute (stop and budget)', () => {
    it('sends nothing and records nothing when the signal has already aborted', async () => {
      // Prepare
      const t = setup({}, { ping: { path: '/ping' } });

      // Act
      const outcome = await t.executor.execute(t.req('ping'), t.ctx(), t.who, Rng.of(1), { signal: AbortSignal.abort() });

      // Assess
      expect(outcome).toEqual({ ok: false, errorKind: 'aborted', message: 'stopped' });
      expect(t.http.calls).toEqual([]);
      expect(t.recorder.result(0).endpoints).toEqual({});
    });

    it('refuses a request over the budget, stops the run with the reason, and lets forced (cleanup) requests through', async () => {
      // Prepare
      const t = setup({}, { ping: { path: '/ping' } }, { maxRequests: 1 });
      t.http.on('GET', '/ping', { status: 200 });

      // Act
      const first = await t.executor.execute(t.req('ping'), t.ctx(), t.who, Rng.of(1), { signal: t.signal });
      const second = await t.executor.execute(t.req('ping'), t.ctx(), t.who, Rng.of(1), { signal: t.signal });
      const forced = await t.executor.execute(t.req('ping'), t.ctx(), t.who, Rng.of(1), { signal: t.signal, force: true });

      // Assess
      expect(first.ok).toBe(true);
      expect(second).toEqual({ ok: false, errorKind: 'aborted', message: 'request budget of 1 exhausted (limits.maxRequests)' });
      expect(forced.ok).toBe(true);
      expect(t.http.calls).toHaveLength(2);
      expect(t.guard.signal.aborted).toBe(true);
      expect(t.guard.reason).toBe('request budget of 1 exhausted (limits.maxRequests)');
      expect(t.guard.admitted).toBe(2);
    });

    it('refuses requests after the deadline', async () => {
      // Prepare
      const t = setup({}, { ping: { path: '/ping' } }, { deadline: 1000 });
      t.http.on('GET', '/ping', { status: 200 });
      await t.clock.advance(1001);

      // Act
      const outcome = await t.executor.execute(t.req('ping'), t.ctx(), t.who, Rng.of(1), { signal: t.signal });

      // Assess
      expect(outcome).toEqual({ ok: false, errorKind: 'aborted', message: 'run deadline reached (limits.maxDuration)' });
      expect(t.http.calls).toEqual([]);
    });

    it('lets an in-flight request finish on a soft stop but aborts it on a kill', async () => {
      // Prepare
      const t = setup({}, { slow: { path: '/slow' } });
      t.http.on('GET', '/slow', { status: 200, delayMs: 1000 });
      const soft = new AbortController();
      const kill = new AbortController();
      const finishing = t.executor.execute(t.req('slow'), t.ctx(), t.who, Rng.of(1), { signal: soft.signal, inflight: new AbortController().signal });
      const killed = t.executor.execute(t.req('slow'), t.ctx(), t.who, Rng.of(1), { signal: kill.signal });

      // Act
      await t.clock.advance(500);
      soft.abort();
      kill.abort();
      const outcomes = await runToEnd(t.clock, Promise.all([finishing, killed]));

      // Assess
      expect(outcomes[0]).toEqual({ ok: true, status: 200, json: undefined });
      expect(outcomes[1]).toEqual({ ok: false, status: undefined, errorKind: 'aborted', message: 'slow: request aborted' });
      expect(t.recorder.result(0).endpoints['slow']).toMatchObject({ attempts: 2, ok: 1, errors: { aborted: 1 } });
    });
  });

  describe('Method: execute (abort rule)', () => {
    it('tells the rule every attempt with its cause, and stops the run through the guard the moment the rule fires', async () => {
      // Prepare: every attempt refused, as undici reports a closed port
      const t = setup({}, { ping: { path: '/ping', retry: false } });
      const refused = new HttpTransportError('connect', 'connect: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:1', { detail: 'ECONNREFUSED 127.0.0.1:1' });
      t.http.on('GET', '/ping', { error: refused });
      const rule = new ErrorRateWindow({ above: 0.5, window: 10_000, minRequests: 20 });
      const executor = new RequestExecutor({ ...t.executor.deps, errorRate: rule });

      // Act: 25 requests one after the other
      const outcomes = [];
      for (let i = 0; i < 25; i++) outcomes.push(await runToEnd(t.clock, executor.execute(t.req('ping'), t.ctx(), t.who, Rng.of(1), { signal: t.guard.signal })));

      // Assess: the outcome carries the cause; the 20th refusal stops the run; nothing is sent after it
      expect(outcomes[0]).toMatchObject({ ok: false, errorKind: 'connect', detail: 'ECONNREFUSED 127.0.0.1:1' });
      expect(t.http.calls).toHaveLength(20);
      expect(t.guard.reason).toBe(ERROR_RATE_STOP_REASON);
      expect(rule.verdict).toMatch(/20 of 20 attempts failed; most common: connect ECONNREFUSED 127\.0\.0\.1:1$/);
      expect(outcomes.slice(20).every((o) => !o.ok && o.errorKind === 'aborted')).toBe(true);
    });

    it('judges nothing once the run has stopped for another reason', async () => {
      // Prepare: the run was stopped (a user's Ctrl+C); cleanups still go out, and fail
      const t = setup({}, { ping: { path: '/ping', retry: false } });
      t.http.on('GET', '/ping', { status: 503 });
      const rule = new ErrorRateWindow({ above: 0.5, window: 10_000, minRequests: 1 });
      const executor = new RequestExecutor({ ...t.executor.deps, errorRate: rule });
      t.guard.stop('interrupted by SIGINT');

      // Act
      const outcome = await runToEnd(t.clock, executor.execute(t.req('ping'), t.ctx(), t.who, Rng.of(1), { signal: t.signal, force: true }));

      // Assess
      expect(outcome).toMatchObject({ ok: false, errorKind: 'http5xx', status: 503 });
      expect(rule.verdict).toBeUndefined();
      expect(t.guard.reason).toBe('interrupted by SIGINT');
    });
  });

  describe('Method: execute (circuit breaker)', () => {
    it('opens after N consecutive failures; later attempts fail fast as circuit-open and are counted', async () => {
      // Prepare
      const t = setup({ retry: NO_JITTER_RETRY, circuitBreaker: { failureThreshold: 2, cooldown: '10s' } }, { create: { method: 'POST', path: '/orders' }, other: { path: '/other' } });
      t.http.on('POST', '/orders', { status: 503 });
      t.http.on('GET', '/other', { status: 200 });

      // Act
      const outcome = await runToEnd(t.clock, t.executor.execute(t.req('create'), t.ctx(), t.who, Rng.of(1), { signal: t.signal }));
      const other = await runToEnd(t.clock, t.executor.execute(t.req('other'), t.ctx(), t.who, Rng.of(1), { signal: t.signal }));

      // Assess
      expect(outcome).toEqual({ ok: false, status: undefined, errorKind: 'circuit-open', message: 'circuit open for create' });
      expect(t.http.timeline()).toEqual(['POST /orders @0', 'POST /orders @100', 'GET /other @700']);
      expect(t.recorder.result(0).endpoints['create']).toMatchObject({ attempts: 4, retries: 3, errors: { http5xx: 2, 'circuit-open': 2 }, statusCodes: { '503': 2 } });
      expect(other.ok).toBe(true);
    });

    it('lets a probe through after the cooldown and closes on its success', async () => {
      // Prepare
      const t = setup({ retry: { max: 0 }, circuitBreaker: { failureThreshold: 1, cooldown: '10s' } }, { create: { method: 'POST', path: '/orders' } });
      t.http.on('POST', '/orders', { status: 500 }, { status: 200 });
      const send = () => runToEnd(t.clock, t.executor.execute(t.req('create'), t.ctx(), t.who, Rng.of(1), { signal: t.signal }));

      // Act
      const first = await send();
      const refused = await send();
      await t.clock.advance(10_000);
      const probe = await send();
      const after = await send();

      // Assess
      expect([first, refused, probe, after].map((o) => (o.ok ? 'ok' : o.errorKind))).toEqual(['http5xx', 'circuit-open', 'ok', 'ok']);
      expect(t.http.timeline()).toEqual(['POST /orders @0', 'POST /orders @10000', 'POST /orders @10000']);
    });

    it('does not count an aborted request as a failure', async () => {
      // Prepare
      const t = setup({ retry: { max: 0 }, circuitBreaker: { failureThreshold: 1, cooldown: '10s' } }, { create: { method: 'POST', path: '/orders' } });
      t.http.on('POST', '/orders', { error: new HttpTransportError('aborted', 'gone') }, { status: 200 });

      // Act
      await runToEnd(t.clock, t.executor.execute(t.req('create'), t.ctx(), t.who, Rng.of(1), { signal: t.signal }));
      const next = await runToEnd(t.clock, t.executor.execute(t.req('create'), t.ctx(), t.who, Rng.of(1), { signal: t.signal }));

      // Assess
      expect(next.ok).toBe(true);
      expect(t.http.calls).toHaveLength(2);
    });
  });

  describe('Method: execute (rate limit)', () => {
    it('spaces requests with the token bucket: a burst of rateLimit, then one per 1/rate s', async () => {
      // Prepare
      const t = setup({ rateLimit: 2 }, { ping: { path: '/ping' }, free: { path: '/free', rateLimit: 1000 } });
      t.http.on('GET', '/ping', { status: 200 });
      t.http.on('GET', '/free', { status: 200 });
      const send = (name: string) => t.executor.execute(t.req(name), t.ctx(), t.who, Rng.of(1), { signal: t.signal });

      // Act
      await runToEnd(t.clock, Promise.all([send('ping'), send('ping'), send('ping'), send('ping'), send('ping'), send('free'), send('free')]));

      // Assess
      expect(t.http.timeline()).toEqual([
        'GET /ping @0', 'GET /ping @0', 'GET /free @0', 'GET /free @0', 'GET /ping @500', 'GET /ping @1000', 'GET /ping @1500',
      ]);
    });

    it('gives up waiting for a token when stopped, sending and recording nothing', async () => {
      // Prepare
      const t = setup({ rateLimit: 1 }, { ping: { path: '/ping' } });
      t.http.on('GET', '/ping', { status: 200 });
      const stop = new AbortController();
      await t.executor.execute(t.req('ping'), t.ctx(), t.who, Rng.of(1), { signal: stop.signal });
      const waiting = t.executor.execute(t.req('ping'), t.ctx(), t.who, Rng.of(1), { signal: stop.signal });

      // Act
      await t.clock.advance(200);
      stop.abort();
      const outcome = await runToEnd(t.clock, waiting);

      // Assess
      expect(outcome).toEqual({ ok: false, errorKind: 'aborted', message: 'stopped while rate-limited' });
      expect(t.http.calls).toHaveLength(1);
      expect(t.recorder.result(0).endpoints['ping']?.attempts).toBe(1);
    });
  });
});
