import type { ErrorKind } from '../errors.ts';

/** `RetryOutcome` is what `isRetryable` needs to know about one finished attempt. */
export interface RetryOutcome {
  /** HTTP status, when one came back. */
  readonly status?: number | undefined;
  /** Why the attempt failed; absent when it succeeded (or was not classified). */
  readonly errorKind?: ErrorKind | undefined;
}

/**
 * Kinds that say "the target (or the way to it) may be fine a moment from now": the request never
 * got an answer, got a 5xx, or was refused locally by an open circuit.
 */
const TRANSIENT_KINDS: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['timeout', 'connect', 'network', 'http5xx', 'circuit-open']);

/**
 * Kinds a retry cannot fix: the run is stopping (`aborted`), the target answered in a way that
 * will not change by asking again (`invalid-response`, `unexpected-status`), or the request itself
 * cannot be sent (`invalid-request`: it would be rendered the same way again).
 */
const FINAL_KINDS: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['aborted', 'invalid-response', 'invalid-request', 'unexpected-status']);

/**
 * `isRetryable` tells whether a failed attempt is worth retrying: transport errors (`timeout`,
 * `connect`, `network`), HTTP 5xx, HTTP 429 and `circuit-open` are; other 4xx, `invalid-response`,
 * `invalid-request`, `unexpected-status`, `aborted` and successes are not.
 *
 * The error kind decides when it is conclusive. `http4xx` is decided by the status (429 "Too Many
 * Requests" asks the client to come back later; other 4xx mean the request itself is wrong). An
 * outcome with no error kind is judged by its status alone, so a bare `{ status: 503 }` is retryable
 * and `{ status: 200 }` or `{}` is not.
 *
 * @example
 * isRetryable({ status: 429, errorKind: 'http4xx' }); // true
 * isRetryable({ status: 404, errorKind: 'http4xx' }); // false
 */
export function isRetryable(outcome: RetryOutcome): boolean {
  const { status, errorKind } = outcome;
  if (errorKind !== undefined) {
    if (FINAL_KINDS.has(errorKind)) return false;
    if (TRANSIENT_KINDS.has(errorKind)) return true;
  }
  return status !== undefined && (status === 429 || (status >= 500 && status <= 599));
}
