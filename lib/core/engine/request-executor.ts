import type { Clock, EventSink, HttpClient } from '../ports.ts';
import type { Rng } from '../rng.ts';
import { forbiddenHeaderChar } from '../plan/headers.ts';
import type { TemplateContext } from '../plan/template.ts';
import type { ErrorRateWindow } from '../resilience/error-rate-window.ts';
import { TokenBucket } from '../resilience/token-bucket.ts';
import type { CallContext, ExecuteOptions, ProgressCounters, RequestOwner, Requester } from './call-context.ts';
import type { CompiledRequest } from './compiled-request.ts';
import { EndpointGates, type BreakerSettings } from './endpoint-gates.ts';
import { GatedRequestCall } from './gated-request-call.ts';
import { RequestCall, type CallInit } from './request-call.ts';
import type { RequestOutcome } from './request-outcome.ts';
import type { RunGuard } from './run-guard.ts';
import type { TracePropagation } from './trace-headers.ts';

/** The requests held at one gate: how many per origin, and those `stageGate` has not staged yet. */
interface HeldAtGate {
  readonly origins: Map<string, number>;
  unstaged: GatedRequestCall[];
}

/** Dependencies of a `RequestExecutor`. */
export interface RequestExecutorDeps {
  readonly http: HttpClient;
  readonly clock: Clock;
  readonly events: EventSink;
  readonly guard: RunGuard;
  readonly breaker: BreakerSettings;
  readonly progress?: ProgressCounters;
  /** Run-wide cap on requests per second (limits.maxRps); absent = none. */
  readonly maxRps?: number | undefined;
  /** Stamps traceparent/baggage headers when the plan asks for it. */
  readonly propagation?: TracePropagation | undefined;
  /** The origin of the plan's target.baseUrl: `warmTarget` opens connections to it. */
  readonly origin?: string | undefined;
  /** The abort rule (`limits.abortOnErrorRate`): told every attempt; when it fires, the guard stops the run. */
  readonly errorRate?: ErrorRateWindow | undefined;
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
  /** The requests waiting at each gate (a burst's common start) not opened yet. */
  private readonly held = new WeakMap<Promise<boolean>, HeldAtGate>();
  /** Requests waiting at any gate not opened yet, per origin (slices of one run share the client). */
  private readonly heldTotal = new Map<string, number>();
  /** What each request may use of the run, made once and shared by every request. */
  private readonly calls: CallContext;

  constructor(readonly deps: RequestExecutorDeps) {
    const { clock } = deps;
    this.calls = {
      clock, http: deps.http, events: deps.events, guard: deps.guard,
      // The run-wide requests-per-second cap (limits.maxRps), enforced here whatever the load model asks.
      runLimiter: deps.maxRps ? new TokenBucket({ ratePerSec: deps.maxRps, burst: Math.max(1, Math.ceil(deps.maxRps / 10)) }, clock) : undefined,
      endpoints: new EndpointGates(clock, deps.breaker),
      propagation: deps.propagation, progress: deps.progress, errorRate: deps.errorRate,
    };
  }

  /** Sends `req` for lifecycle `who`, retrying as its policy says; never rejects for target behaviour. */
  execute(req: CompiledRequest, ctx: TemplateContext, who: Requester, rng: Rng, opts: ExecuteOptions): Promise<RequestOutcome> {
    return new Promise<RequestOutcome>((resolve, reject) => {
      const owner: RequestOwner = { unitId: who.unitId, index: who.index, key: who.key, recorder: who.recorder, phase: who.phase, trace: who.trace, rng, settle: resolve, fault: reject };
      this.start(req, ctx, opts, owner);
    });
  }

  /**
   * `execute` without a promise: the outcome goes to `owner` (see `OutcomeSink`), possibly before this
   * returns. The request is rendered here, once per logical request: a retry resends the same request
   * (same path, body, event ids). `opts` is read here and not kept, so a caller may reuse the object.
   */
  start(req: CompiledRequest, ctx: TemplateContext, opts: ExecuteOptions, owner: RequestOwner): void {
    const path = req.path(ctx);
    const body = req.body?.(ctx);
    const headers = req.staticHeaders ?? renderHeaders(req, ctx);
    // Static headers were checked with the plan; a rendered value may hold what a capture or a payload
    // brought (CR LF from a response): refused here, before any socket, as the plan's fault.
    const refusal = req.staticHeaders ? undefined : headerRefusal(req, headers);
    const init: CallInit = { req, owner, opts, path, body, headers };
    if (refusal !== undefined) {
      new RequestCall(this.calls, init).refuse(refusal);
      return;
    }
    if (!opts.gate) {
      new RequestCall(this.calls, init).next();
      return;
    }
    const call = new GatedRequestCall(this.calls, init);
    this.hold(opts.gate, req.origin, call);
    call.gated(opts.gate, opts.onRelease);
  }

  /**
   * Stages every request held at `gate` so far (`GatedRequestCall.stage`): each is admitted and handed to
   * the HTTP client now, its bytes held on an open socket, so the gate's opening only has to flush
   * them. Called shortly before the gate opens, once its sockets are warm; a request that reaches the
   * gate later waits there as before. Returns how many were staged (0 with a client that cannot).
   */
  stageGate(gate: Promise<boolean>): number {
    const held = this.held.get(gate);
    if (!held || !this.deps.http.stage) return 0;
    const { unstaged } = held;
    held.unstaged = [];
    for (const call of unstaged) call.stage();
    return unstaged.length;
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
    const ready = await Promise.all([...held.origins.keys()].map((origin) => http.warm?.(origin, this.heldTotal.get(origin) ?? 0, signal).catch(() => 0) ?? 0));
    return ready.reduce((a, b) => a + b, 0);
  }

  /**
   * Has the HTTP client open up to `connections` connections to the plan's target (its baseUrl's
   * origin) ahead of an open model's first start, sending nothing on them, so the first starts do not
   * wait on connects (and meet the in-flight cap). Resolves with the idle open connections (0 without
   * an origin or a client that warms); never rejects. The caller aborts `signal` at the first start.
   */
  async warmTarget(connections: number, signal?: AbortSignal): Promise<number> {
    const { http, origin } = this.deps;
    if (!origin || !http.warm) return 0;
    return http.warm(origin, connections, signal).catch(() => 0);
  }

  /** Keeps a request held at `gate` (for `stageGate`), counted under its origin (for `warmGate`), until the gate opens. */
  private hold(gate: Promise<boolean>, origin: string, call: GatedRequestCall): void {
    let held = this.held.get(gate);
    if (!held) {
      this.held.set(gate, (held = { origins: new Map(), unstaged: [] }));
      const { origins } = held;
      const forget = (): void => {
        this.held.delete(gate);
        for (const [origin, count] of origins) {
          const left = (this.heldTotal.get(origin) ?? 0) - count;
          if (left > 0) this.heldTotal.set(origin, left);
          else this.heldTotal.delete(origin);
        }
      };
      gate.then(forget, forget);
    }
    held.unstaged.push(call);
    held.origins.set(origin, (held.origins.get(origin) ?? 0) + 1);
    this.heldTotal.set(origin, (this.heldTotal.get(origin) ?? 0) + 1);
  }
}

function renderHeaders(req: CompiledRequest, ctx: TemplateContext): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, render] of req.headers) headers[name] = render(ctx);
  return headers;
}

/** Why rendered `headers` cannot be sent (naming the request and the header, never the value), or undefined. */
function headerRefusal(req: CompiledRequest, headers: Readonly<Record<string, string>>): string | undefined {
  for (const name in headers) {
    const char = forbiddenHeaderChar(headers[name] as string);
    if (char !== undefined) return `${req.name}: invalid-request: header ${name} holds ${char} (not sent)`;
  }
  return undefined;
}

