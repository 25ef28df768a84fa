import type { ErrorKind } from '../errors.ts';

/** A logical request that got an expected answer (after any retries). */
export interface RequestSucceeded {
  readonly ok: true;
  readonly status: number;
  readonly json: unknown;
}

/** A logical request that failed: its last attempt's kind, or `aborted` when a stop kept it from being sent. */
export interface RequestFailed {
  readonly ok: false;
  readonly status?: number | undefined;
  readonly errorKind: ErrorKind;
  readonly message: string;
  /** The transport's cause in a few words (`ECONNREFUSED 127.0.0.1:1`), when it gave one. */
  readonly detail?: string | undefined;
}

/**
 * A gated request whose gate never opened (a stop before a burst's common start): it was never sent,
 * so its lifecycle is dropped, not failed.
 */
export interface RequestNotReleased {
  readonly ok: false;
  readonly errorKind: 'not-released';
  readonly message: typeof NOT_RELEASED_MESSAGE;
}

/** The result of one logical request (after any retries); `ok`, then `errorKind`, say which. */
export type RequestOutcome = RequestSucceeded | RequestFailed | RequestNotReleased;

/** The message of a `RequestNotReleased` outcome, as a dropped lifecycle's reason shows it. */
export const NOT_RELEASED_MESSAGE = 'stopped before its start: not sent';

/** The outcome of a gated request whose gate never opened. */
export const NOT_RELEASED: RequestNotReleased = { ok: false, errorKind: 'not-released', message: NOT_RELEASED_MESSAGE };

/**
 * Where a request delivers its end: exactly one call, to `settle` with the outcome or to `fault` with
 * an error (a bug, a closed event sink: what would make `RequestExecutor.execute` reject). Either may
 * come synchronously, from inside `RequestExecutor.start`, when nothing had to wait.
 */
export interface OutcomeSink {
  settle(outcome: RequestOutcome): void;
  fault(error: unknown): void;
}

/**
 * A failed request as a short reason: `create: http5xx 503`, `hit: connect ECONNREFUSED 127.0.0.1:1`.
 * Its parts are few per run (request names, kinds, statuses, the transport's code and address), so
 * reasons stay a small set of report keys. A request refused before it was sent keeps its message,
 * which says which header (`create: invalid-request: header x-id holds CR (U+000D) (not sent)`): the
 * plan has to be fixed, and the kind alone would not say where.
 */
export function describeFailure(name: string, outcome: RequestFailed): string {
  if (outcome.errorKind === 'invalid-request') return outcome.message;
  return `${name}: ${failureCause(outcome)}`;
}

/** What went wrong, without the request's name: `http5xx 503`, `connect ECONNREFUSED 127.0.0.1:1`. */
export function failureCause(outcome: { readonly errorKind: string; readonly status?: number | undefined; readonly detail?: string | undefined }): string {
  const status = outcome.status !== undefined ? ` ${outcome.status}` : '';
  return `${outcome.errorKind}${status}${outcome.detail !== undefined ? ` ${outcome.detail}` : ''}`;
}
