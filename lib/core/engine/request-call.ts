import { HttpTransportError, type ErrorKind } from '../errors.ts';
import type { HttpRequest, HttpResponse } from '../ports.ts';
import { backoffDelay } from '../resilience/backoff.ts';
import type { CircuitBreaker } from '../resilience/circuit-breaker.ts';
import { ERROR_RATE_STOP_REASON } from '../resilience/error-rate-window.ts';
import { isRetryable } from '../resilience/retryable.ts';
import type { CallContext, ExecuteOptions, RequestOwner } from './call-context.ts';
import type { CompiledRequest } from './compiled-request.ts';
import { failureCause, type RequestFailed } from './request-outcome.ts';

/** How far an attempt got before it waited: it goes on from the next stage once the wait is over. */
const RUN_LIMITER = 0;
const ENDPOINT_LIMITER = 1;
const ADMIT = 2;
type Stage = typeof RUN_LIMITER | typeof ENDPOINT_LIMITER | typeof ADMIT;

/** One logical request, rendered once: what a `RequestCall` is made of. */
export interface CallInit {
  readonly req: CompiledRequest;
  /** The lifecycle it is made for, which gets its outcome. */
  readonly owner: RequestOwner;
  /** Read when the call is made, not kept: a caller may reuse the object. */
  readonly opts: ExecuteOptions;
  readonly path: string;
  readonly body: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * One logical request: its attempts, each timed from its start (the first one from the intended
 * start, when there is one), recorded, and retried as the policy says. The methods are the steps of
 * an attempt, in order; a step that must wait continues from a callback.
 */
export class RequestCall {
  private attempt = 0;
  private startedAt = 0;
  /** The clock when the attempt started: its admission time too, when nothing was waited for since. */
  private readAt = 0;
  private breaker: CircuitBreaker | null = null;
  private readonly req: CompiledRequest;
  protected readonly owner: RequestOwner;
  private readonly path: string;
  private readonly body: string | undefined;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly signal: AbortSignal;
  protected readonly inflight: AbortSignal;
  private readonly force: boolean;
  private readonly intendedStart: number | undefined;
  /** A gated request's `onRelease`, until its first send (`sending`). */
  protected onSend: (() => void) | undefined;

  constructor(
    protected readonly ctx: CallContext,
    init: CallInit,
  ) {
    const { opts } = init;
    this.req = init.req;
    this.owner = init.owner;
    this.path = init.path;
    this.body = init.body;
    this.headers = init.headers;
    this.signal = opts.signal;
    this.inflight = opts.inflight ?? opts.signal;
    this.force = opts.force ?? false;
    this.intendedStart = opts.intendedStart;
  }

  /**
   * Refuses the request without sending it: what was rendered cannot go on the wire (a header value
   * with CR or LF), which is the plan's fault, not the target's. It counts as one failed attempt of
   * kind `invalid-request` (so the report names the request), is never retried, takes no token, slot
   * or request budget, and leaves the circuit breaker alone.
   */
  refuse(message: string): void {
    this.attempt = 1;
    this.startedAt = this.ctx.clock.now();
    this.failed(undefined, 'invalid-request', message);
  }

  /** Starts the next attempt. */
  next(): void {
    this.attempt++;
    const now = this.ctx.clock.now();
    this.readAt = now;
    this.startedAt = this.attempt === 1 && this.intendedStart !== undefined ? this.intendedStart : now;
    this.admit(RUN_LIMITER);
  }

  /**
   * Takes the run's and the endpoint's tokens (waiting when there are none), then the request budget,
   * the breaker and a concurrency slot, and sends. An attempt stopped on the way is not sent.
   */
  private admit(from: Stage): void {
    const { ctx, req, signal } = this;
    const { clock, guard, runLimiter } = ctx;
    if (from <= RUN_LIMITER && runLimiter && runLimiter.tryTake() !== 0) {
      runLimiter.take(signal).then(this.resumeAt(ENDPOINT_LIMITER), () => this.unsent('stopped while rate-limited'));
      return;
    }
    if (from <= ENDPOINT_LIMITER) {
      const limiter = ctx.endpoints.limiterFor(req);
      // `take` resolves at once when a token is there; only a missing token is waited for.
      if (limiter && (signal.aborted || limiter.tryTake() !== 0)) {
        limiter.take(signal).then(this.resumeAt(ADMIT), () => this.unsent('stopped while rate-limited'));
        return;
      }
    }
    if (signal.aborted) return this.unsent('stopped');
    // The same synchronous step as `next`, unless a token was waited for: one clock read for both.
    if (!guard.admit(from === RUN_LIMITER ? this.readAt : clock.now(), this.force)) return this.unsent(guard.reason ?? 'stopped');
    const breaker = ctx.endpoints.breakerFor(req);
    this.breaker = breaker;
    if (breaker && !breaker.allow()) return this.failed(undefined, 'circuit-open', `circuit open for ${req.name}`);
    // Each attempt is its own span (its own traceparent), on a copy of the rendered headers.
    const { propagation } = ctx;
    let headers = this.headers;
    if (this.owner.trace && propagation) {
      headers = { ...headers };
      propagation.inject(headers as Record<string, string>, this.owner.trace);
    }
    const slot = guard.acquire();
    if (slot) slot.then(() => this.send(headers), (error: unknown) => this.owner.fault(error));
    else this.send(headers);
  }

  /** A continuation that goes on admitting from `stage`, turning a fault into the owner's. */
  private resumeAt(stage: Stage): () => void {
    return () => {
      try {
        this.admit(stage);
      } catch (error) {
        this.owner.fault(error);
      }
    };
  }

  /** The request goes out now: a gated request's `onRelease` runs, once. */
  protected sending(): void {
    const record = this.onSend;
    if (!record) return;
    this.onSend = undefined;
    record();
  }

  /** Sends the admitted attempt (`GatedRequestCall` stages a burst's first one instead). */
  protected send(headers: Readonly<Record<string, string>>): void {
    this.sendNow(headers);
  }

  protected sendNow(headers: Readonly<Record<string, string>>): void {
    this.sending();
    try {
      this.ctx.http
        .send(this.request(headers), this.inflight)
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

  /** The request as the HTTP client takes it (one shape for every call, so V8 keeps one). */
  protected request(headers: Readonly<Record<string, string>>): HttpRequest {
    const { req } = this;
    return { method: req.method, origin: req.origin, path: this.path, headers, body: this.body, timeoutMs: req.timeoutMs, readBody: req.needsBody };
  }

  protected sendFailed(error: unknown): void {
    try {
      const kind: ErrorKind = error instanceof HttpTransportError ? error.kind : 'network';
      // A stop, or a request the client refused to send (the plan's fault), says nothing of the target.
      if (kind === 'aborted' || kind === 'invalid-request') this.breaker?.onNeutral();
      else this.breaker?.onFailure();
      this.ctx.guard.release();
      const detail = error instanceof HttpTransportError ? error.detail : undefined;
      this.failed(undefined, kind, `${this.req.name}: ${(error as Error).message}`, detail);
    } catch (fault) {
      this.owner.fault(fault);
    }
  }

  /** Classifies an answer: status against `expect`, then (when read) the JSON body and its captures. */
  protected received(res: HttpResponse): void {
    try {
      const { req } = this;
      let status: number;
      let text: string;
      try {
        status = res.status;
        text = res.body;
      } finally {
        this.ctx.guard.release();
      }
      if (status >= 500) this.breaker?.onFailure();
      else this.breaker?.onSuccess();
      const ok = req.expect ? req.expect.has(status) : status >= 200 && status < 300;
      if (!ok) return this.failed(status, status >= 500 ? 'http5xx' : status >= 400 ? 'http4xx' : 'unexpected-status', `${req.name}: HTTP ${status}`);
      if (!req.needsBody) return this.succeeded(status, undefined);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return this.failed(status, 'invalid-response', `${req.name}: response is not JSON`);
      }
      for (const [name, get, path] of req.captures) {
        if (get(json) === undefined) return this.failed(status, 'invalid-response', `${req.name}: capture ${name} (${path}) missing in the response`);
      }
      this.succeeded(status, json);
    } catch (fault) {
      this.owner.fault(fault);
    }
  }

  /** An attempt that was never sent (stopped, or the budget is spent): not an attempt, not recorded. */
  private unsent(message: string): void {
    this.owner.settle({ ok: false, errorKind: 'aborted', message });
  }

  /** Records a successful attempt and settles the request. */
  private succeeded(status: number, json: unknown): void {
    this.recordAttempt(status);
    this.owner.settle({ ok: true, status, json });
  }

  /** Records a failed attempt, then settles the request or schedules its retry. */
  private failed(status: number | undefined, errorKind: ErrorKind, message: string, detail?: string): void {
    const failure: RequestFailed = { ok: false, status, errorKind, message, detail };
    this.recordAttempt(status, failure);
    const { req, attempt, owner } = this;
    const retry = req.retry;
    if (retry === false || attempt > retry.max || this.signal.aborted || !isRetryable(failure)) return owner.settle(failure);
    let backoff: Promise<void>;
    try {
      backoff = this.ctx.clock.sleep(backoffDelay({ baseMs: retry.backoff, factor: retry.factor, maxMs: retry.maxBackoff, jitter: retry.jitter }, attempt, owner.rng), this.signal);
    } catch {
      return owner.settle(failure);
    }
    backoff.then(
      () => {
        try {
          this.next();
        } catch (error) {
          owner.fault(error);
        }
      },
      () => owner.settle(failure),
    );
  }

  /** Records the attempt that just ended (in the recorder, the event log, the progress counters and the abort rule). */
  private recordAttempt(status: number | undefined, failure?: RequestFailed): void {
    const { ctx, req, owner, attempt } = this;
    const { guard, errorRate, progress } = ctx;
    const errorKind = failure?.errorKind;
    const now = ctx.clock.now();
    const latencyMs = now - this.startedAt;
    owner.recorder.recordAttempt({ endpoint: req.name, latencyMs, status, errorKind, retry: attempt > 1, phase: owner.phase });
    // The abort rule judges the attempts of a running run (a stop's own aborts are not the target's,
    // and once the run stops, for whatever reason, there is nothing left for the rule to stop).
    if (errorRate && errorKind !== 'aborted' && !guard.signal.aborted) {
      const verdict = errorRate.record(now, failure === undefined ? undefined : failureCause(failure));
      if (verdict !== undefined) guard.stop(ERROR_RATE_STOP_REASON);
    }
    ctx.events.write({
      at: now, unitId: owner.unitId, index: owner.index, key: owner.key, type: 'request', request: req.name, attempt,
      status, latencyMs: Math.round(latencyMs * 1000) / 1000, errorKind,
    });
    if (progress) {
      progress.requests++;
      if (errorKind) progress.errors++;
    }
  }
}
