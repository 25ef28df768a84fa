import type { UnitResult } from './recorder/types.ts';

/**
 * Ports: the seams between the pure core and the world. Adapters in lib/adapters implement them;
 * tests use fakes. Nothing in lib/core touches a socket, a file, the clock or the environment directly.
 */

/** `Clock` tells time and sleeps. A fake clock makes timing tests instant and exact. */
export interface Clock {
  /** Milliseconds since the Unix epoch (may be fractional). */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason if `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * `HttpRequest` is one fully rendered HTTP request. Its origin and its path travel apart: the origin
 * is fixed when the plan is compiled and the client connects to it alone, never to anything it could
 * read out of the rendered path.
 */
export interface HttpRequest {
  readonly method: string;
  /** Where the request goes: `scheme://host[:port]`, no path. */
  readonly origin: string;
  /** Path and query, starting with `/`: sent on the origin's connection as the request target. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  /** Overall deadline for the whole exchange (headers and body), in ms. */
  readonly timeoutMs: number;
  /** When false the client discards the body (faster); `HttpResponse.body` is then ''. */
  readonly readBody: boolean;
}

/** `HttpResponse` is what came back: status, lower-cased headers, and the (size-capped) body text. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/**
 * `HttpClient` sends one request. It resolves with any HTTP status (4xx/5xx included) and rejects only
 * with an `HttpTransportError` (timeout, connect, network, invalid-response, aborted).
 */
export interface HttpClient {
  send(req: HttpRequest, signal?: AbortSignal): Promise<HttpResponse>;
  /**
   * Optional: opens up to `connections` connections to `origin` (`http://host:port`, at most the
   * client's own cap) ahead of requests that will all be sent at one instant (a burst's release),
   * WITHOUT sending any request on them: the target sees connections, never an extra request. Resolves
   * with how many idle open connections to `origin` are ready; never rejects (a connection that
   * failed is opened again by the request that needs it). The caller aborts `signal` at the release:
   * the client then stops any preparation still under way (connections still opening stay usable).
   */
  warm?(origin: string, connections: number, signal?: AbortSignal): Promise<number>;
  /**
   * Optional: writes `req` onto an idle open connection but holds its bytes back (nothing reaches the
   * target) until `release()`, so that a burst's release only has to flush bytes already rendered and
   * handed to the client. Returns undefined when there is no idle open connection to hold it on: the
   * caller then sends it with `send` at the release. The request's deadline starts at `release()`.
   */
  stage?(req: HttpRequest, signal?: AbortSignal): StagedRequest | undefined;
  /** Releases pooled sockets so the process can exit. */
  close(): Promise<void>;
}

/** A request staged by `HttpClient.stage`: on its connection, not sent yet. */
export interface StagedRequest {
  /** Settles as `send`'s promise does; after `cancel`, rejects with an `aborted` HttpTransportError. */
  readonly response: Promise<HttpResponse>;
  /** Puts the held bytes on the wire now. */
  release(): void;
  /** Drops the request unsent: its connection is closed, so none of its bytes ever reach the target. */
  cancel(): void;
}

/**
 * `LifecycleEvent` is one row of the lifecycle event log (events.csv): a request attempt, a state
 * transition, or a lifecycle outcome. Events are streamed to an `EventSink`, never kept in memory.
 */
export interface LifecycleEvent {
  /** Epoch ms when the event happened. */
  readonly at: number;
  readonly unitId: string;
  /** Payload index of the lifecycle. */
  readonly index: number;
  /** Human key of the lifecycle, e.g. the order number. */
  readonly key: string;
  readonly type: 'request' | 'transition' | 'completed' | 'failed' | 'dropped' | 'parked';
  readonly request?: string;
  readonly attempt?: number;
  readonly status?: number;
  readonly latencyMs?: number;
  readonly errorKind?: string;
  readonly from?: string;
  readonly to?: string;
  readonly reason?: string;
}

/** `EventSink` receives lifecycle events; the CSV adapter streams them to disk. */
export interface EventSink {
  write(event: LifecycleEvent): void;
  close(): Promise<void>;
}

/**
 * `RunStore` keeps a run's durable state: unit claims and unit results. Claims and saves are
 * idempotent, so an at-least-once queue never runs or counts a unit twice.
 */
export interface RunStore {
  /** Claims a unit for execution; false when it is already done or held by another worker. */
  claimUnit(runId: string, unitId: string): Promise<boolean>;
  /** Saves a unit's result; the first save wins, later ones for the same unit are ignored. */
  saveUnitResult(runId: string, unitId: string, result: UnitResult): Promise<void>;
  /** Every saved unit result of a run. */
  unitResults(runId: string): Promise<Array<UnitResult>>;
}
