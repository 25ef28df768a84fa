import type { Clock, EventSink, HttpClient } from '../ports.ts';
import type { Recorder } from '../recorder/recorder.ts';
import type { ErrorRateWindow } from '../resilience/error-rate-window.ts';
import type { TokenBucket } from '../resilience/token-bucket.ts';
import type { Rng } from '../rng.ts';
import type { EndpointGates } from './endpoint-gates.ts';
import type { OutcomeSink } from './request-outcome.ts';
import type { RunGuard } from './run-guard.ts';
import type { LifecycleTrace, TracePropagation } from './trace-headers.ts';

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

/**
 * Where a request's random draws come from (a retry's backoff jitter): the lifecycle's generator,
 * which a lifecycle makes only when something draws from it.
 */
export interface RngSource {
  readonly rng: Rng;
}

/**
 * `RequestOwner` is the lifecycle a request is made for, as the request sees it: who asks, where its
 * draws come from, and where its outcome goes. A running lifecycle is its requests' owner; the
 * promise API (`RequestExecutor.execute`) makes one from its arguments.
 */
export interface RequestOwner extends Requester, RngSource, OutcomeSink {}

/** Options for one request (`RequestExecutor.execute`, `RequestExecutor.start`). */
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
   * Called once, when the gated request goes out after the gate opened: a staged request's bytes
   * released, or the request handed to the HTTP client (past the rate limiters and the concurrency
   * slot, so a wait there shows). The burst's start skew is measured here. Not called for a request
   * that is never sent.
   */
  readonly onRelease?: (() => void) | undefined;
  /** Intended start (open model): latency of the first attempt is measured from it. */
  readonly intendedStart?: number | undefined;
}

/** Live counters for progress displays; optional. */
export interface ProgressCounters {
  requests: number;
  errors: number;
}

/**
 * `CallContext` is what one request (`RequestCall`) may use of the run it belongs to: the clock, the
 * HTTP client and the event log, the run's guard (budget, deadline, in-flight slots, stop), its rate
 * cap, each endpoint's limiter and breaker, and the optional trace stamping, progress counters and
 * abort rule. The executor makes it once and shares it: a request never sees the executor itself.
 */
export interface CallContext {
  readonly clock: Clock;
  readonly http: HttpClient;
  readonly events: EventSink;
  readonly guard: RunGuard;
  /** The run-wide requests-per-second cap (limits.maxRps), when the plan sets one. */
  readonly runLimiter: TokenBucket | undefined;
  readonly endpoints: EndpointGates;
  /** Stamps traceparent/baggage headers when the plan asks for it. */
  readonly propagation: TracePropagation | undefined;
  readonly progress: ProgressCounters | undefined;
  /** The abort rule (`limits.abortOnErrorRate`): told every attempt; when it fires, the guard stops the run. */
  readonly errorRate: ErrorRateWindow | undefined;
}
