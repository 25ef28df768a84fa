/**
 * Errors of the core. Every error has a stable `code` (for counting and matching) and keeps its `cause`.
 */

/** `LoadfleetError` is the base of every error loadfleet raises on purpose. */
export class LoadfleetError extends Error {
  /** Stable, low-cardinality code, e.g. `PLAN_INVALID`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * `ErrorKind` classifies a failed request attempt. It is a closed set, so it is safe as a metric
 * dimension and a report key.
 */
export const ERROR_KINDS = [
  'timeout', // the overall per-request deadline fired
  'connect', // refused, unreachable, DNS failure, connect timeout
  'network', // socket reset or closed mid-exchange
  'invalid-response', // unparseable, oversized, or missing what a capture/condition needs
  'invalid-request', // not sent: what the plan rendered cannot go on the wire (a header value with CR/LF)
  'http4xx', // 4xx not listed in `expect`
  'http5xx', // 5xx not listed in `expect`
  'unexpected-status', // 1xx-3xx not listed in `expect`
  'circuit-open', // the endpoint's circuit breaker refused the attempt
  'aborted', // the run was stopped while the request was in flight
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** `HttpTransportError` is raised by an `HttpClient` when no HTTP status came back. */
export class HttpTransportError extends LoadfleetError {
  readonly kind: Extract<ErrorKind, 'timeout' | 'connect' | 'network' | 'invalid-response' | 'invalid-request' | 'aborted'>;
  /**
   * The underlying cause in a few words, low in cardinality so it can name a failure reason: the
   * system error code and the address it concerned, e.g. `ECONNREFUSED 127.0.0.1:1`, `ENOTFOUND
   * api.example`, `ECONNRESET`. Undefined when there is nothing more to say than the kind.
   */
  readonly detail: string | undefined;
  constructor(kind: HttpTransportError['kind'], message: string, options?: { cause?: unknown; detail?: string | undefined }) {
    super(`HTTP_${kind.toUpperCase().replace('-', '_')}`, message, options);
    this.kind = kind;
    this.detail = options?.detail;
  }
}
