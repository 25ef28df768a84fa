import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../../lib/core/engine/compile-plan.ts';
import type { RequestOwner, Requester } from '../../../lib/core/engine/call-context.ts';
import { RequestExecutor } from '../../../lib/core/engine/request-executor.ts';
import type { OutcomeSink, RequestOutcome } from '../../../lib/core/engine/request-outcome.ts';
import { RunGuard } from '../../../lib/core/engine/run-guard.ts';
import { TracePropagation } from '../../../lib/core/engine/trace-headers.ts';
import type { TemplateContext } from '../../../lib/core/plan/template.ts';
import type { Clock, HttpClient, HttpRequest, HttpResponse } from '../../../lib/core/ports.ts';
import { Recorder } from '../../../lib/core/recorder/recorder.ts';
import { Rng } from '../../../lib/core/rng.ts';
import { customPlan, MemoryEvents } from '../../helpers/engine-harness.ts';
import { FakeClock, TickingClock } from '../../helpers/fake-clock.ts';

/** An HTTP client that keeps every request object it was given (identity included) and answers 200. */
class KeepingHttp implements HttpClient {
  readonly requests: HttpRequest[] = [];
  async send(req: HttpRequest): Promise<HttpResponse> {
    this.requests.push(req);
    return { status: 200, headers: {}, body: '' };
  }
  async close(): Promise<void> {}
}


function setup(headers: Record<string, string>, opts: { clock?: Clock; propagation?: TracePropagation } = {}) {
  const plan = customPlan({ target: { baseUrl: 'http://127.0.0.1:8080', headers, circuitBreaker: false }, requests: { ping: { path: '/ping' } }, lifecycle: [{ request: 'ping' }] });
  const compiled = compilePlan(plan);
  const clock = opts.clock ?? new FakeClock();
  const http = new KeepingHttp();
  const events = new MemoryEvents();
  const executor = new RequestExecutor({ http, clock, events, guard: new RunGuard({ maxRequests: 100, deadline: 1e12 }), breaker: false, propagation: opts.propagation });
  const recorder = new Recorder(0);
  const who: Requester = { unitId: 'u1', index: 0, key: 'K-1', recorder, trace: opts.propagation?.traceFor(0) };
  const ctx: TemplateContext = { payload: {}, vars: {}, index: 0, runId: 'run-7', now: 0 };
  return { req: compiled.requests.get('ping')!, http, events, executor, recorder, who, ctx };
}

/** A request owner (the lifecycle `who`, drawing from `Rng.of(1)`) whose outcome sink keeps what it is given. */
function keepingOwner(who: Requester): RequestOwner & { outcomes: RequestOutcome[]; faults: unknown[] } {
  const outcomes: RequestOutcome[] = [];
  const faults: unknown[] = [];
  const sink: OutcomeSink = { settle: (outcome) => outcomes.push(outcome), fault: (error) => faults.push(error) };
  return { ...who, rng: Rng.of(1), outcomes, faults, ...sink };
}

describe('Method: RequestExecutor.start', () => {
  it('settles at once, inside the call, when the request is stopped before it is sent', () => {
    // Prepare
    const t = setup({});
    const sink = keepingOwner(t.who);

    // Act
    t.executor.start(t.req, t.ctx, { signal: AbortSignal.abort() }, sink);

    // Assess
    expect(sink.outcomes).toEqual([{ ok: false, errorKind: 'aborted', message: 'stopped' }]);
    expect(t.http.requests).toEqual([]);
  });

  it('settles once, after the exchange, with the outcome execute would give', async () => {
    // Prepare
    const t = setup({});
    const sink = keepingOwner(t.who);

    // Act
    t.executor.start(t.req, t.ctx, { signal: new AbortController().signal }, sink);
    const before = sink.outcomes.length;
    await new Promise((resolve) => setImmediate(resolve));

    // Assess
    expect(before).toBe(0);
    expect(sink.outcomes).toEqual([{ ok: true, status: 200, json: undefined }]);
    expect(sink.faults).toEqual([]);
    expect(t.recorder.result(0).endpoints['ping']).toMatchObject({ attempts: 1, ok: 1 });
  });
});

describe('Class: RequestExecutor (headers and timing)', () => {
  it('renders constant headers once: every send shares one headers object', async () => {
    // Prepare
    const t = setup({ Authorization: 'Bearer t' });

    // Act
    await t.executor.execute(t.req, t.ctx, t.who, Rng.of(1), { signal: new AbortController().signal });
    await t.executor.execute(t.req, t.ctx, t.who, Rng.of(1), { signal: new AbortController().signal });

    // Assess
    const [first, second] = t.http.requests;
    expect(first!.headers).toEqual({ authorization: 'Bearer t' });
    expect(second!.headers).toBe(first!.headers);
    expect(t.req.staticHeaders).toBe(first!.headers);
  });

  it('renders templated headers per request', async () => {
    // Prepare
    const t = setup({ 'x-run': '{{run.id}}-{{index}}' });

    // Act
    await t.executor.execute(t.req, t.ctx, t.who, Rng.of(1), { signal: new AbortController().signal });
    await t.executor.execute(t.req, { ...t.ctx, index: 1 }, t.who, Rng.of(1), { signal: new AbortController().signal });

    // Assess
    expect(t.req.staticHeaders).toBeUndefined();
    expect(t.http.requests.map((r) => r.headers)).toEqual([{ 'x-run': 'run-7-0' }, { 'x-run': 'run-7-1' }]);
  });

  it('stamps trace context on a copy: the shared constant headers never carry a traceparent', async () => {
    // Prepare
    const t = setup({ Authorization: 'Bearer t' }, { propagation: new TracePropagation(7, {}) });

    // Act
    await t.executor.execute(t.req, t.ctx, t.who, Rng.of(1), { signal: new AbortController().signal });
    await t.executor.execute(t.req, t.ctx, t.who, Rng.of(1), { signal: new AbortController().signal });

    // Assess
    const [first, second] = t.http.requests;
    expect(first!.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(second!.headers.traceparent).not.toBe(first!.headers.traceparent);
    expect(t.req.staticHeaders).toEqual({ authorization: 'Bearer t' });
  });

  it('reads the clock once at an attempt\'s end: its event is stamped with the instant its latency ends', async () => {
    // Prepare: every clock read is 1 ms later than the one before
    const fake = new FakeClock(5000);
    const t = setup({}, { clock: new TickingClock(fake) });

    // Act
    await t.executor.execute(t.req, t.ctx, t.who, Rng.of(1), { signal: new AbortController().signal, intendedStart: 4000 });

    // Assess
    const [event] = t.events.ofType('request');
    expect(event!.at - event!.latencyMs!).toBe(4000);
  });
});
