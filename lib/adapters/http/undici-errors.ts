import { HttpTransportError } from '../../core/errors.ts';

/** `TransportKind` is the subset of `ErrorKind` an `HttpClient` may reject with. */
export type TransportKind = HttpTransportError['kind'];

/**
 * Error codes by kind. undici documents `error.code` as the stable thing to match on (instanceof
 * breaks across bundled copies); the `E*` codes are Node's own socket and DNS errors, which undici
 * passes through unchanged.
 */
const KIND_BY_CODE: ReadonlyMap<string, TransportKind> = new Map<string, TransportKind>([
  // No connection was made: the target (or its name) is unreachable.
  ['ECONNREFUSED', 'connect'],
  ['ENOTFOUND', 'connect'],
  ['EAI_AGAIN', 'connect'],
  ['EAI_FAIL', 'connect'],
  ['EHOSTUNREACH', 'connect'],
  ['ENETUNREACH', 'connect'],
  ['EHOSTDOWN', 'connect'],
  ['EADDRNOTAVAIL', 'connect'],
  // The kernel's own connect timeout; mid-exchange ETIMEDOUT is rare and just as much "unreachable".
  ['ETIMEDOUT', 'connect'],
  ['UND_ERR_CONNECT_TIMEOUT', 'connect'],
  // undici's idle timers (headersTimeout, bodyTimeout), when they fire before our overall deadline.
  ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
  ['UND_ERR_BODY_TIMEOUT', 'timeout'],
  // The connection broke mid-exchange.
  ['UND_ERR_SOCKET', 'network'],
  ['ECONNRESET', 'network'],
  ['EPIPE', 'network'],
  ['ECONNABORTED', 'network'],
  ['UND_ERR_CLOSED', 'network'],
  ['UND_ERR_DESTROYED', 'network'],
  // The target answered, but not with something we accept.
  ['UND_ERR_HEADERS_OVERFLOW', 'invalid-response'],
  ['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'invalid-response'],
  ['UND_ERR_RES_EXCEEDED_MAX_SIZE', 'invalid-response'],
  // undici refused to send what it was given (a header name or value, a path): the plan's fault.
  ['UND_ERR_INVALID_ARG', 'invalid-request'],
  ['UND_ERR_ABORTED', 'aborted'],
  ['UND_ERR_ABORT', 'aborted'],
]);

/** Reads a string `code` from an unknown thrown value. */
function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * `classifyUndiciError` maps an error thrown by undici (or Node's socket layer below it) to a
 * transport kind. Unknown errors count as `network`: something went wrong between us and the target,
 * and a closed kind set matters more than a perfect label.
 *
 * HTTP parser errors are matched by name because their `code` (`HPE_*`) is sometimes missing.
 * With `autoSelectFamily` Node may throw an `AggregateError` (one error per address tried) whose own
 * `code` is empty, so the first inner error decides.
 */
export function classifyUndiciError(err: unknown): TransportKind {
  if (err instanceof HttpTransportError) return err.kind;
  const code = codeOf(err);
  const known = code === undefined ? undefined : KIND_BY_CODE.get(code);
  if (known) return known;
  if (code?.startsWith('HPE_') || (err as Error | null)?.name === 'HTTPParserError') return 'invalid-response';
  if (err instanceof AggregateError && err.errors.length > 0) return classifyUndiciError(err.errors[0]);
  return 'network';
}

/** `toTransportError` wraps any thrown value as an `HttpTransportError` of its kind, keeping it as `cause`. */
export function toTransportError(err: unknown, kind: TransportKind = classifyUndiciError(err)): HttpTransportError {
  if (err instanceof HttpTransportError && err.kind === kind) return err;
  const code = codeOf(err);
  const text = err instanceof Error ? err.message : String(err);
  return new HttpTransportError(kind, `${kind}: ${code ? `${code} ` : ''}${text}`, { cause: err, detail: errorDetail(err) });
}

/**
 * `errorDetail` names the cause of a socket or DNS error in a few words: its code and the address it
 * concerned (`ECONNREFUSED 127.0.0.1:1`, `ENOTFOUND api.example`, `ETIMEDOUT [::1]:8080`), read from
 * the structured fields Node sets (`code`, `address`, `port`, `hostname`), never from free text, so a
 * run has as few distinct details as addresses it connects to. An `AggregateError` (Node tried every
 * address of a name) speaks through its first error. Undefined without a code.
 */
export function errorDetail(err: unknown): string | undefined {
  if (err instanceof AggregateError && codeOf(err) === undefined && err.errors.length > 0) return errorDetail(err.errors[0]);
  const code = codeOf(err);
  if (code === undefined) return undefined;
  const { address, port, hostname } = err as { address?: unknown; port?: unknown; hostname?: unknown };
  if (typeof address === 'string') {
    const host = address.includes(':') ? `[${address}]` : address;
    return typeof port === 'number' ? `${code} ${host}:${port}` : `${code} ${host}`;
  }
  if (typeof hostname === 'string') return `${code} ${hostname}`;
  return code;
}
