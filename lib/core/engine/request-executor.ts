import { HttpTransportError, type ErrorKind } from '../errors.ts';
import type { Clock, EventSink, HttpClient, HttpResponse } from '../ports.ts';
import type { Recorder } from '../recorder/recorder.ts';
import type { Rng } from '../rng.ts';
import type { TemplateContext } from '../plan/template.ts';
import { backoffDelay } from '../resilience/backoff.ts';
import { CircuitBreaker } from '../resilience/circuit-breaker.ts';
import { isRetryable } from '../resilience/retryable.ts';
import { TokenBucket } from '../resilience/token-bucket.ts';
import type { CompiledRequest } from './compiled-request.ts';
import type { RunGuard } from './run-guard.ts';
import type { LifecycleTrace, TracePropagation } from './trace-headers.ts';

/** The result of one logical request (after any retries). */
export type RequestOutcome =
  | { readonly ok: true; readonly status: number; readonly json: unknown }
  | { readonly ok: false; readonly status?: number | undefined; readonly errorKind: ErrorKind; readonly message: string };

/** Who is asking: the lifecycle (for the event log) and its unit's recorder. */
export interface Requester {
  readonly unitId: string;
  readonly index: number;
  readonly key: string;
  readonly recorder: Recorder;
  /** The load phase, for per-phase figures. */
  readonly phase?: string | undefined;
  /** The lifecycle's trace, when the plan propagates trace context. */
  readonly trace?: LifecycleTrace | undefined;
}

/** Options for one `execute` call. */
export interface ExecuteOptions {
  /** Stops the request before it is sent, and its retries. */
  readonly signal: AbortSignal;
  /** Aborts a request already in flight (default: `signal`). A soft stop lets in-flight requests finish. */
  readonly inflight?: AbortSignal | undefined;
  /** Cleanup requests bypass the request budget so created entities can still be ended. */
  readonly force?: boolean | undefined;
  /**
   * Holds the request, rendered and ready, until the gate opens (a burst's common start); `false`
   * means the start never came (a stop) and the request is not sent.
   */
  readonly gate?: Promise<boolean> | undefined;
  /**
   * Called once, when the gated request is handed to the HTTP client after the gate opened (past the
   * rate limiters and the concurrency slot, so a wait there shows): the burst's start skew is
   * measured here. Not called for a request that is never sent.
   */
  readonly onRelease?: (() => void) | undefined;
  /** Intended start (open model): latency of the first attempt is measured from it. */
  readonly intendedStart?: number | undefined;
}

/**
 * Where `RequestExecutor.start` delivers the end of a logical request: exactly one call, to `settle`
 * with the outcome or to `fault` with an error (a bug, a closed event sink: what would make `execute`
 * reject). Either may come synchronously, from inside `start`, when nothing had to wait.
 */
export interface OutcomeSink {
  settle(outcome: RequestOutcome): void;
  fault(error: unknown): void;
}

/**
 * Where a request's random draws come from (a retry's backoff jitter): the lifecycle's generator,
 * which a lifecycle makes only when something draws from it.
 */
export interface RngSource {
  readonly rng: Rng;
}

/** The message of a gated request whose gate never opened: the lifecycle is dropped, not failed. */
export const NOT_RELEASED = 'stopped before its start: not sent';

/** Live counters for progress displays; optional. */
export interface ProgressCounters {
  requests: number;
  errors: number;
}

/** Dependencies of a `RequestExecutor`. */
export interface RequestExecutorDeps {
  readonly http: HttpClient;
  readonly clock: Clock;
  readonly events: EventSink;
  readonly guard: RunGuard;
  readonly breaker: { readonly failureThreshold: number; readonly cooldown: number } | false;
  readonly progress?: ProgressCounters;
  /** Run-wide cap on requests per second (limits.maxRps); absent = none. */
  readonly maxRps?: number | undefined;
  /** Stamps traceparent/baggage headers when the plan asks for it. */
  readonly propagation?: TracePropagation | undefined;
}

/**
 * `RequestExecutor` (one per run, shared by its units) sends one named request for a lifecycle: renders it, waits for the endpoint's
 * token bucket, asks its circuit breaker, sends, classifies, records every attempt, and retries
 * (exponential backoff with jitter) on network errors, 5xx and 429 as the plan's retry policy says.
 *
 * Each logical request is a small state machine (`RequestCall`) that only waits where something has
 * to be waited for: a token, a concurrency slot, the response, a backoff. Whatever is ready goes on at
 * once, so the usual request costs one promise (the HTTP exchange's) and no async function frames.
 */
export class RequestExecutor {
  private readonly limiters = new Map<string, TokenBucket | null>();
  private readonly breakers = new Map<string, CircuitBreaker | null>();
  /** Requests waiting at each gate (a burst's common start), per origin. */
  private readonly held = new WeakMap<Promise<boolean>, Map<string, number>>();
  /** Requests waiting at any gate not opened yet, per origin (slices of one run share the client). */
  private readonly heldTotal = new Map<string, number>();
  /** The run-wide requests-per-second cap (limits.maxRps), enforced here whatever the load model asks. */
  readonly runLimiter: TokenBucket | undefined;

  constructor(readonly deps: RequestExecutorDeps) {
    this.runLimiter = deps.maxRps ? new TokenBucket({ ratePerSec: deps.maxRps, burst: Math.max(1, Math.ceil(deps.maxRps / 10)) }, deps.clock) : undefined;
  }

  /** Sends `req` for lifecycle `who`, retrying as its policy says; never rejects for target behaviour. */
  execute(req: CompiledRequest, ctx: TemplateContext, who: Requester, rng: Rng, opts: ExecuteOptions): Promise<RequestOutcome> {
    return new Promise<RequestOutcome>((resolve, reject) => this.start(req, ctx, who, { rng }, opts, { settle: resolve, fault: reject }));
  }

  /**
   * `execute` without a promise: the outcome goes to `sink` (see `OutcomeSink`), possibly before this
   * returns. The request is rendered here, once per logical request: a retry resends the same request
   * (same URL, body, event ids). `opts` is read here and not kept, so a caller may reuse the object.
   */
  start(req: CompiledRequest, ctx: TemplateContext, who: Requester, draws: RngSource, opts: ExecuteOptions, sink: OutcomeSink): void {
    const url = req.url(ctx);
    const call = new RequestCall(this, req, who, draws, opts, sink, url, req.body?.(ctx), req.staticHeaders ?? renderHeaders(req, ctx));
    if (opts.gate) {
      this.hold(opts.gate, url);
      call.gated(opts.gate, opts.onRelease);
    } else call.next();
  }

  /**
   * Has the HTTP client open one connection per request held at a gate, for each origin `gate`'s
   * requests go to (up to the client's cap; the requests at other gates not opened yet count too: the
   * slices of a burst run in one process share the client), sending nothing on them, so the release
   * writes each request onto an open socket instead of connecting there. Calling it again counts
   * requests that reached the gate since and reopens connections the target closed meanwhile.
   * Resolves with the idle open connections to those origins (0 when the client cannot warm); never
   * rejects.
   */
  async warmGate(gate: Promise<boolean>, signal?: AbortSignal): Promise<number> {
    const held = this.held.get(gate);
    const { http } = this.deps;
    if (!held || !http.warm) return 0;
    const ready = await Promise.all([...held.keys()].map((origin) => http.warm?.(origin, this.heldTotal.get(origin) ?? 0, signal).catch(() => 0) ?? 0));
    return ready.reduce((a, b) => a + b, 0);
  }

  /** Counts a request held at `gate` under its origin (for `warmGate`), until the gate opens. */
  private hold(gate: Promise<boolean>, url: string): void {
    let held = this.held.get(gate);
    if (!held) {
      this.held.set(gate, (held = new Map()));
      const counted = held;
      const forget = (): void => {
        for (const [origin, count] of counted) {
          const left = (this.heldTotal.get(origin) ?? 0) - count;
          if (left > 0) this.heldTotal.set(origin, left);
          else this.heldTotal.delete(origin);
        }
      };
      gate.then(forget, forget);
    }
    const origin = originOf(url);
    held.set(origin, (held.get(origin) ?? 0) + 1);
    this.heldTotal.set(origin, (this.heldTotal.get(origin) ?? 0) + 1);
  }

  /** The endpoint's token bucket (`rateLimit`), or null when it has none. */
  limiterFor(req: CompiledRequest): TokenBucket | null {
    let limiter = this.limiters.get(req.name);
    if (limiter === undefined) {
      limiter = req.rateLimit ? new TokenBucket({ ratePerSec: req.rateLimit }, this.deps.clock) : null;
      this.limiters.set(req.name, limiter);
    }
    return limiter;
  }

  /** The endpoint's circuit breaker, or null when the plan has none. */
  breakerFor(req: CompiledRequest): CircuitBreaker | null {
    let breaker = this.breakers.get(req.name);
    if (breaker === undefined) {
      const cfg = this.deps.breaker;
      breaker = cfg ? new CircuitBreaker({ failureThreshold: cfg.failureThreshold, cooldownMs: cfg.cooldown }, this.deps.clock) : null;
      this.breakers.set(req.name, breaker);
    }
    return breaker;
  }
}

/** How far an attempt got before it waited: it goes on from the next stage once the wait is over. */
const RUN_LIMITER = 0;
const ENDPOINT_LIMITER = 1;
const ADMIT = 2;
type Stage = typeof RUN_LIMITER | typeof ENDPOINT_LIMITER | typeof ADMIT;

/**
 * One logical request: its attempts, each timed from its start (the first one from the intended
 * start, when there is one), recorded, and retried as the policy says. The methods are the steps of
 * the former `execute`/`attempt` loop, in order; a step that must wait continues from a callback.
 */
class RequestCall {
  private attempt = 0;
  private startedAt = 0;
  /** The clock when the attempt started: its admission time too, when nothing was waited for since. */
  private readAt = 0;
  private breaker: CircuitBreaker | null = null;
  private readonly signal: AbortSignal;
  private readonly inflight: AbortSignal;
  private readonly force: boolean;
  private readonly intendedStart: number | undefined;
  /** A gated request's `onRelease`, until its first send. */
  private onSend: (() => void) | undefined;

  constructor(
    private readonly exec: RequestExecutor,
    private readonly req: CompiledRequest,
    private readonly who: Requester,
    private readonly draws: RngSource,
    opts: ExecuteOptions,
    private readonly sink: OutcomeSink,
    private readonly url: string,
    private readonly body: string | undefined,
    private readonly headers: Readonly<Record<string, string>>,
  ) {
    this.signal = opts.signal;
    this.inflight = opts.inflight ?? opts.signal;
    this.force = opts.force ?? false;
    this.intendedStart = opts.intendedStart;
  }

  /** Holds the rendered request until the gate opens, or drops it; `onRelease` runs at its first send. */
  gated(gate: Promise<boolean>, onRelease: (() => void) | undefined): void {
    gate.then(
      (released) => {
        if (!released) {
          this.sink.settle({ ok: false, errorKind: 'aborted', message: NOT_RELEASED });
          return;
        }
        try {
          this.onSend = onRelease;
          this.next();
        } catch (error) {
          this.sink.fault(error);
        }
      },
      (error: unknown) => this.sink.fault(error),
    );
  }

  /** Starts the next attempt. */
  next(): void {
    this.attempt++;
    const now = this.exec.deps.clock.now();
    this.readAt = now;
    this.startedAt = this.attempt === 1 && this.intendedStart !== undefined ? this.intendedStart : now;
    this.admit(RUN_LIMITER);
  }

  /**
   * Takes the run's and the endpoint's tokens (waiting when there are none), then the request budget,
   * the breaker and a concurrency slot, and sends. An attempt stopped on the way is not sent.
   */
  private admit(from: Stage): void {
    const { exec, req, signal } = this;
    const { clock, guard } = exec.deps;
    if (from <= RUN_LIMITER && exec.runLimiter && exec.runLimiter.tryTake() !== 0) {
      exec.runLimiter.take(signal).then(this.resumeAt(ENDPOINT_LIMITER), () => this.unsent('stopped while rate-limited'));
      return;
    }
    if (from <= ENDPOINT_LIMITER) {
      const limiter = exec.limiterFor(req);
      // `take` resolves at once when a token is there; only a missing token is waited for.
      if (limiter && (signal.aborted || limiter.tryTake() !== 0)) {
        limiter.take(signal).then(this.resumeAt(ADMIT), () => this.unsent('stopped while rate-limited'));
        return;
      }
    }
    if (signal.aborted) return this.unsent('stopped');
    // The same synchronous step as `next`, unless a token was waited for: one clock read for both.
    if (!guard.admit(from === RUN_LIMITER ? this.readAt : clock.now(), this.force)) return this.unsent(guard.reason ?? 'stopped');
    const breaker = exec.breakerFor(req);
    this.breaker = breaker;
    if (breaker && !breaker.allow()) return this.attempted(undefined, 'circuit-open', `circuit open for ${req.name}`, undefined);
    // Each attempt is its own span (its own traceparent), on a copy of the rendered headers.
    const { propagation } = exec.deps;
    let headers = this.headers;
    if (this.who.trace && propagation) {
      headers = { ...headers };
      propagation.inject(headers as Record<string, string>, this.who.trace);
    }
    const slot = guard.acquire();
    if (slot) slot.then(() => this.send(headers), (error: unknown) => this.sink.fault(error));
    else this.send(headers);
  }

  /** A continuation that goes on admitting from `stage`, turning a fault into the sink's. */
  private resumeAt(stage: Stage): () => void {
    return () => {
      try {
        this.admit(stage);
      } catch (error) {
        this.sink.fault(error);
      }
    };
  }

  private send(headers: Readonly<Record<string, string>>): void {
    const { req } = this;
    if (this.onSend) {
      const record = this.onSend;
      this.onSend = undefined;
      record();
    }
    try {
      this.exec.deps.http
        .send({ method: req.method, url: this.url, headers, body: this.body, timeoutMs: req.timeoutMs, readBody: req.needsBody }, this.inflight)
        // Unnamed arrows: tsx (esbuild keepNames) wraps every *named* function expression in a
        // defineProperty('name') call, which would run per request here.
        .then(
          (res) => this.received(res),
          (error: unknown) => this.sendFailed(error),
        );
    } catch (error) {
      // A client that throws instead of rejecting fails the attempt the same way.
      this.sendFailed(error);
    }
  }

  private sendFailed(error: unknown): void {
    try {
      const kind: ErrorKind = error instanceof HttpTransportError ? error.kind : 'network';
      if (kind !== 'aborted') this.breaker?.onFailure();
      this.exec.deps.guard.release();
      this.attempted(undefined, kind, `${this.req.name}: ${(error as Error).message}`, undefined);
    } catch (fault) {
      this.sink.fault(fault);
    }
  }

  /** Classifies an answer: status against `expect`, then (when read) the JSON body and its captures. */
  private received(res: HttpResponse): void {
    try {
      const { req } = this;
      let status: number;
      let text: string;
      try {
        status = res.status;
        text = res.body;
      } finally {
        this.exec.deps.guard.release();
      }
      if (status >= 500) this.breaker?.onFailure();
      else this.breaker?.onSuccess();
      const ok = req.expect ? req.expect.has(status) : status >= 200 && status < 300;
      if (!ok) return this.attempted(status, status >= 500 ? 'http5xx' : status >= 400 ? 'http4xx' : 'unexpected-status', `${req.name}: HTTP ${status}`, undefined);
      if (!req.needsBody) return this.attempted(status, undefined, undefined, undefined);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return this.attempted(status, 'invalid-response', `${req.name}: response is not JSON`, undefined);
      }
      for (const [name, get, path] of req.captures) {
        if (get(json) === undefined) return this.attempted(status, 'invalid-response', `${req.name}: capture ${name} (${path}) missing in the response`, undefined);
      }
      this.attempted(status, undefined, undefined, json);
    } catch (fault) {
      this.sink.fault(fault);
    }
  }

  /** An attempt that was never sent (stopped, or the budget is spent): not an attempt, not recorded. */
  private unsent(message: string): void {
    this.sink.settle({ ok: false, errorKind: 'aborted', message });
  }

  /** Records a finished attempt, then settles the request or schedules its retry. */
  private attempted(status: number | undefined, errorKind: ErrorKind | undefined, message: string | undefined, json: unknown): void {
    const { exec, req, who, attempt } = this;
    const { clock, events, progress } = exec.deps;
    const now = clock.now();
    const latencyMs = now - this.startedAt;
    who.recorder.recordAttempt({ endpoint: req.name, latencyMs, status, errorKind, retry: attempt > 1, phase: who.phase });
    events.write({
      at: now, unitId: who.unitId, index: who.index, key: who.key, type: 'request', request: req.name, attempt,
      status, latencyMs: Math.round(latencyMs * 1000) / 1000, errorKind,
    });
    if (progress) {
      progress.requests++;
      if (errorKind) progress.errors++;
    }
    if (errorKind === undefined) return this.sink.settle({ ok: true, status: status as number, json });
    const failed: RequestOutcome = { ok: false, status, errorKind, message: message ?? errorKind };
    const retry = req.retry;
    if (retry === false || attempt > retry.max || this.signal.aborted || !isRetryable({ status, errorKind })) return this.sink.settle(failed);
    let backoff: Promise<void>;
    try {
      backoff = clock.sleep(backoffDelay({ baseMs: retry.backoff, factor: retry.factor, maxMs: retry.maxBackoff, jitter: retry.jitter }, attempt, this.draws.rng), this.signal);
    } catch {
      return this.sink.settle(failed);
    }
    backoff.then(
      () => {
        try {
          this.next();
        } catch (error) {
          this.sink.fault(error);
        }
      },
      () => this.sink.settle(failed),
    );
  }
}

function renderHeaders(req: CompiledRequest, ctx: TemplateContext): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, render] of req.headers) headers[name] = render(ctx);
  return headers;
}

/** `scheme://host:port` of an absolute URL (everything before its path). */
function originOf(url: string): string {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  return slash < 0 ? url : url.slice(0, slash);
}
