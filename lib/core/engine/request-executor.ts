import { HttpTransportError, type ErrorKind } from '../errors.ts';
import type { Clock, EventSink, HttpClient } from '../ports.ts';
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
  readonly inflight?: AbortSignal;
  /** Cleanup requests bypass the request budget so created entities can still be ended. */
  readonly force?: boolean;
  /**
   * Holds the request, rendered and ready, until the gate opens (a burst's common start); `false`
   * means the start never came (a stop) and the request is not sent.
   */
  readonly gate?: Promise<boolean> | undefined;
  /** Called the moment the gate lets the request go (the burst's start skew is measured here). */
  readonly onRelease?: (() => void) | undefined;
  /** Intended start (open model): latency of the first attempt is measured from it. */
  readonly intendedStart?: number;
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
 */
export class RequestExecutor {
  private readonly limiters = new Map<string, TokenBucket | null>();
  private readonly breakers = new Map<string, CircuitBreaker | null>();
  /** The run-wide requests-per-second cap (limits.maxRps), enforced here whatever the load model asks. */
  private readonly runLimiter: TokenBucket | undefined;

  constructor(private readonly deps: RequestExecutorDeps) {
    this.runLimiter = deps.maxRps ? new TokenBucket({ ratePerSec: deps.maxRps, burst: Math.max(1, Math.ceil(deps.maxRps / 10)) }, deps.clock) : undefined;
  }


  /** Sends `req` for lifecycle `who`, retrying as its policy says; never throws. */
  async execute(req: CompiledRequest, ctx: TemplateContext, who: Requester, rng: Rng, opts: ExecuteOptions): Promise<RequestOutcome> {
    const { clock, events } = this.deps;
    const { recorder } = who;
    const maxRetries = req.retry === false ? 0 : req.retry.max;
    // Rendered once per logical request: a retry resends the same request (same URL, body, event ids).
    const rendered = { url: req.url(ctx), body: req.body?.(ctx), headers: renderHeaders(req, ctx) };
    if (opts.gate) {
      if (!(await opts.gate)) return { ok: false, errorKind: 'aborted', message: NOT_RELEASED };
      opts.onRelease?.();
    }
    let attempt = 0;
    for (;;) {
      attempt++;
      const startedAt = attempt === 1 && opts.intendedStart !== undefined ? opts.intendedStart : clock.now();
      const outcome = await this.attempt(req, rendered, opts, who);
      const latencyMs = clock.now() - startedAt;
      if (outcome.errorKind === 'aborted' && outcome.status === undefined && !outcome.sent) {
        // Never sent (stopped, or budget spent): not an attempt, not recorded.
        return { ok: false, errorKind: 'aborted', message: outcome.message ?? 'stopped' };
      }
      recorder.recordAttempt({ endpoint: req.name, latencyMs, status: outcome.status, errorKind: outcome.errorKind, retry: attempt > 1, phase: who.phase });
      events.write({
        at: clock.now(), unitId: who.unitId, index: who.index, key: who.key, type: 'request', request: req.name, attempt,
        status: outcome.status, latencyMs: Math.round(latencyMs * 1000) / 1000, errorKind: outcome.errorKind,
      });
      if (this.deps.progress) {
        this.deps.progress.requests++;
        if (outcome.errorKind) this.deps.progress.errors++;
      }
      if (outcome.errorKind === undefined) return { ok: true, status: outcome.status as number, json: outcome.json };
      const retryable = isRetryable({ status: outcome.status, errorKind: outcome.errorKind });
      if (!retryable || attempt > maxRetries || opts.signal.aborted || req.retry === false) {
        return { ok: false, status: outcome.status, errorKind: outcome.errorKind, message: outcome.message ?? outcome.errorKind };
      }
      try {
        await clock.sleep(backoffDelay({ baseMs: req.retry.backoff, factor: req.retry.factor, maxMs: req.retry.maxBackoff, jitter: req.retry.jitter }, attempt, rng), opts.signal);
      } catch {
        return { ok: false, status: outcome.status, errorKind: outcome.errorKind, message: outcome.message ?? outcome.errorKind };
      }
    }
  }

  private async attempt(req: CompiledRequest, rendered: RenderedRequest, opts: ExecuteOptions, who: Requester): Promise<{ status?: number; errorKind?: ErrorKind; message?: string; json?: unknown; sent: boolean }> {
    const { clock, http, guard } = this.deps;
    if (this.runLimiter && this.runLimiter.tryTake() !== 0) {
      try {
        await this.runLimiter.take(opts.signal);
      } catch {
        return { errorKind: 'aborted', message: 'stopped while rate-limited', sent: false };
      }
    }
    const limiter = this.limiterFor(req);
    if (limiter) {
      try {
        await limiter.take(opts.signal);
      } catch {
        return { errorKind: 'aborted', message: 'stopped while rate-limited', sent: false };
      }
    }
    if (opts.signal.aborted) return { errorKind: 'aborted', message: 'stopped', sent: false };
    if (!guard.admit(clock.now(), opts.force)) return { errorKind: 'aborted', message: guard.reason ?? 'stopped', sent: false };
    const breaker = this.breakerFor(req);
    if (breaker && !breaker.allow()) return { errorKind: 'circuit-open', message: `circuit open for ${req.name}`, sent: true };

    // Each attempt is its own span (its own traceparent), on a copy of the rendered headers.
    const headers = who.trace && this.deps.propagation ? { ...rendered.headers } : rendered.headers;
    if (who.trace && this.deps.propagation) this.deps.propagation.inject(headers, who.trace);
    let status: number;
    let text: string;
    const slot = guard.acquire();
    if (slot) await slot;
    try {
      const res = await http.send(
        { method: req.method, url: rendered.url, headers, body: rendered.body, timeoutMs: req.timeoutMs, readBody: req.needsBody },
        opts.inflight ?? opts.signal,
      );
      status = res.status;
      text = res.body;
    } catch (error) {
      const kind: ErrorKind = error instanceof HttpTransportError ? error.kind : 'network';
      if (kind !== 'aborted') breaker?.onFailure();
      return { errorKind: kind, message: `${req.name}: ${(error as Error).message}`, sent: true };
    } finally {
      guard.release();
    }
    if (status >= 500) breaker?.onFailure();
    else breaker?.onSuccess();
    const ok = req.expect ? req.expect.has(status) : status >= 200 && status < 300;
    if (!ok) {
      const errorKind: ErrorKind = status >= 500 ? 'http5xx' : status >= 400 ? 'http4xx' : 'unexpected-status';
      return { status, errorKind, message: `${req.name}: HTTP ${status}`, sent: true };
    }
    if (!req.needsBody) return { status, sent: true };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { status, errorKind: 'invalid-response', message: `${req.name}: response is not JSON`, sent: true };
    }
    for (const [name, get, path] of req.captures) {
      if (get(json) === undefined) return { status, errorKind: 'invalid-response', message: `${req.name}: capture ${name} (${path}) missing in the response`, sent: true };
    }
    return { status, json, sent: true };
  }

  private limiterFor(req: CompiledRequest): TokenBucket | null {
    let limiter = this.limiters.get(req.name);
    if (limiter === undefined) {
      limiter = req.rateLimit ? new TokenBucket({ ratePerSec: req.rateLimit }, this.deps.clock) : null;
      this.limiters.set(req.name, limiter);
    }
    return limiter;
  }

  private breakerFor(req: CompiledRequest): CircuitBreaker | null {
    let breaker = this.breakers.get(req.name);
    if (breaker === undefined) {
      const cfg = this.deps.breaker;
      breaker = cfg ? new CircuitBreaker({ failureThreshold: cfg.failureThreshold, cooldownMs: cfg.cooldown }, this.deps.clock) : null;
      this.breakers.set(req.name, breaker);
    }
    return breaker;
  }
}

/** A request rendered from its templates, ready to send (and to resend on a retry). */
interface RenderedRequest {
  readonly url: string;
  readonly body: string | undefined;
  readonly headers: Record<string, string>;
}

function renderHeaders(req: CompiledRequest, ctx: TemplateContext): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, render] of req.headers) headers[name] = render(ctx);
  return headers;
}
