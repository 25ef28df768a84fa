import { errors, type Dispatcher } from './undici-parts.ts';
import type { LookupFunction } from 'node:net';
import { localPolicy, type AllowlistPolicy } from '../../core/allowlist/allowlist.ts';
import { HttpTransportError } from '../../core/errors.ts';
import type { HttpClient, HttpRequest, HttpResponse, StagedRequest } from '../../core/ports.ts';
import { Deadlines } from './deadlines.ts';
import { Exchange } from './exchange.ts';
import { guardedConnector } from './guarded-connector.ts';
import { OriginPool, type HeldSocket } from './origin-pool.ts';
import { warmSendPath } from './send-path-warm-up.ts';
import { toTransportError } from './undici-errors.ts';

/** `LOADFLEET_VERSION` is stamped into the default `user-agent` so target owners can spot our traffic. */
export const LOADFLEET_VERSION = '0.1.0';

/** `DEFAULT_CONNECTIONS` is the default socket cap per origin. */
export const DEFAULT_CONNECTIONS = 100;

/**
 * Options of every undici `Client` (socket) of our pools. undici's `headersTimeout`/`bodyTimeout` are
 * off: each request has one overall deadline of ours (see the class doc), so undici's idle timers
 * would only cost a timer set and cleared per request.
 */
const CLIENT_OPTIONS = { headersTimeout: 0, bodyTimeout: 0 } as const;

/** The send-path warm-up (`warmSendPath`), once per process: V8's optimized code serves every client. */
let sendPathWarmUp: Promise<number> | undefined;

/** `DEFAULT_MAX_RESPONSE_BYTES` (1 MiB) is the default cap on a response body we read. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** `UndiciHttpClientOptions` configures an `UndiciHttpClient`; every field has a default. */
export interface UndiciHttpClientOptions {
  /** Sockets per origin. Default 100. Ignored when `dispatcher` is given. */
  readonly connections?: number | undefined;
  /** Bodies longer than this fail as `invalid-response`. Default 1 MiB. */
  readonly maxResponseBytes?: number | undefined;
  /**
   * Dispatcher to send through (an Agent, a MockAgent in tests); `warm` does nothing then. Default: the
   * client's own keep-alive pools (one `OriginPool` per origin), closed by `close()`.
   */
  readonly dispatcher?: Dispatcher | undefined;
  /** `user-agent` sent when the request has none. Default `loadfleet/<version>`. */
  readonly userAgent?: string | undefined;
  /**
   * The allowlist every connection's address is checked against (`guardedConnector`): private,
   * link-local, metadata and unspecified addresses are refused unless the address itself is allowed.
   * Default: a local run's with nothing added (loopback and public addresses). Not used with `dispatcher`.
   */
  readonly allowlist?: AllowlistPolicy | undefined;
  /** Resolves target names (default node:dns `lookup`); tests pass their own. */
  readonly lookup?: LookupFunction | undefined;
}

/**
 * `UndiciHttpClient` is the `HttpClient` on undici's low-level `dispatch()` path (not fetch, not
 * `request()`), over its own keep-alive pools (`OriginPool`, one per origin, `connections` sockets
 * each). It resolves for any HTTP status and rejects only with `HttpTransportError`. `warm` opens a
 * burst's sockets before its release.
 *
 * The client connects to `req.origin` only: the rendered `req.path` is the request target on that
 * origin's connection and is never parsed for a host. Every connection's address is checked against
 * the allowlist first (see `UndiciHttpClientOptions.allowlist`). Redirects are not followed: a 3xx is
 * an answer like any other (undici's `Client.dispatch` follows none, and no redirect interceptor is
 * composed), so no redirect can lead a request to another host.
 *
 * Every request gets one overall deadline, `req.timeoutMs`, covering connect, headers and the whole
 * body. undici's `headersTimeout`/`bodyTimeout` are idle timers that restart on every chunk, so a
 * target that drips a byte at a time would hold a request (and a socket) open indefinitely without it.
 *
 * @example
 * const client = new UndiciHttpClient({ connections: 50 });
 * const res = await client.send({ method: 'GET', origin: 'http://127.0.0.1:8080', path: '/health', headers: {}, timeoutMs: 2000, readBody: true });
 * await client.close();
 */
export class UndiciHttpClient implements HttpClient {
  /** An injected dispatcher (never closed by us); undefined when the client sends through its own pools. */
  private readonly dispatcher: Dispatcher | undefined;
  /** Our own pools, one per origin (when no dispatcher was injected). */
  private readonly pools = new Map<string, OriginPool>();
  private readonly connections: number;
  private readonly maxResponseBytes: number;
  private readonly userAgent: string;
  private readonly allowlist: AllowlistPolicy;
  private readonly lookup: LookupFunction | undefined;
  private closing: Promise<void> | undefined;
  private readonly deadlines = new Deadlines(() => performance.now());
  private readonly watched = new WeakSet<AbortSignal>();

  constructor(opts: UndiciHttpClientOptions = {}) {
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.userAgent = opts.userAgent ?? `loadfleet/${LOADFLEET_VERSION}`;
    this.dispatcher = opts.dispatcher;
    this.allowlist = opts.allowlist ?? localPolicy([]);
    this.lookup = opts.lookup;
    // undici keeps sockets alive between requests by default; only the pool size is ours to set.
    this.connections = opts.connections ?? DEFAULT_CONNECTIONS;
  }

  /** Sends one request; see the class doc for the deadline and error contract. */
  send(req: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
    if (signal?.aborted) return Promise.reject(abortedError(signal.reason));
    return new Promise<HttpResponse>((resolve, reject) => {
      const exchange = new Exchange(req, this.maxResponseBytes, resolve, reject, this.deadlines, signal);
      if (signal) this.watch(signal);
      exchange.arm(req.timeoutMs);
      const opts = this.dispatchOptions(req);
      try {
        if (this.dispatcher) this.dispatcher.dispatch(opts, exchange);
        else this.pool(req.origin).dispatch(opts, exchange);
      } catch (err) {
        exchange.fail(toTransportError(err));
      }
    });
  }

  /**
   * Stages one request for a burst's release (see `HttpClient.stage`): undici renders and writes it
   * onto an idle open socket of the origin's pool, corked, so its bytes wait in the socket's buffer;
   * `release()` uncorks (one write to the kernel, nothing else to do at the release), `cancel()`
   * destroys the socket with the bytes unsent. Undefined with an injected dispatcher, after `close()`,
   * or when the origin has no idle open socket (`warm` opens them).
   */
  stage(req: HttpRequest, signal?: AbortSignal): StagedRequest | undefined {
    if (this.dispatcher || this.closing || signal?.aborted) return undefined;
    const pool = this.pools.get(req.origin);
    if (!pool) return undefined;
    let resolve!: (res: HttpResponse) => void;
    let reject!: (err: HttpTransportError) => void;
    const response = new Promise<HttpResponse>((res, rej) => ((resolve = res), (reject = rej)));
    const exchange = new Exchange(req, this.maxResponseBytes, resolve, reject, this.deadlines, signal);
    const opts = this.dispatchOptions(req);
    let held: HeldSocket | undefined;
    try {
      held = pool.hold(opts, exchange);
    } catch (err) {
      exchange.fail(toTransportError(err));
      return { response, release: () => undefined, cancel: () => undefined };
    }
    if (!held) return undefined;
    if (signal) this.watch(signal);
    const socket = held;
    return {
      response,
      release: () => {
        // The deadline covers the exchange from here: the time held before the release is not its.
        exchange.arm(req.timeoutMs);
        socket.release();
      },
      cancel: () => {
        socket.discard();
        exchange.abort('aborted', new HttpTransportError('aborted', 'aborted: staged and never released, not sent'));
      },
    };
  }

  /**
   * Opens up to `connections` sockets to `origin` (at most the client's per-origin cap) and sends
   * nothing on them: a burst's requests are then written straight onto open sockets at their release,
   * instead of each opening its own connection there (and the first one compiling undici's HTTP
   * parser). Resolves with the idle open sockets to `origin`; 0 with an injected dispatcher, after
   * `close()`, or when this undici cannot pre-connect. Never rejects: a socket that fails to open is
   * opened again by the request that needs it.
   *
   * Once the sockets are open, the first call in a process also starts, without waiting for it, the
   * send-path warm-up (`warmSendPath`: requests to an in-process loopback sink, never to `origin`)
   * until `signal` aborts, which the burst does at its release.
   */
  async warm(origin: string, connections: number, signal?: AbortSignal): Promise<number> {
    if (this.dispatcher || this.closing || signal?.aborted) return 0;
    let ready: number;
    try {
      // Keyed as the engine's requests are: `URL.origin` (the plan's origin is serialised so too).
      ready = await this.pool(new URL(origin).origin).warm(connections, signal);
    } catch {
      return 0;
    }
    // The sink is an in-process loopback server: its clients keep the default (local) allowlist.
    if (!signal?.aborted) sendPathWarmUp ??= warmSendPath((n) => new UndiciHttpClient({ connections: n, maxResponseBytes: this.maxResponseBytes, userAgent: this.userAgent }), signal);
    return ready;
  }

  close(): Promise<void> {
    this.closing ??= Promise.all([...this.pools.values()].map((pool) => pool.close())).then(() => undefined);
    return this.closing;
  }

  /** The pool of `origin`, made on first use; throws once the client is closed. */
  private pool(origin: string): OriginPool {
    let pool = this.pools.get(origin);
    if (!pool) {
      if (this.closing) throw new errors.ClientClosedError();
      pool = new OriginPool(origin, this.connections, CLIENT_OPTIONS, guardedConnector({ policy: this.allowlist, lookup: this.lookup }, portOf(origin)));
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /**
   * One listener per caller signal (a run's stop signal lives for the whole run), instead of one per
   * request: when it aborts, every exchange started under it is aborted.
   */
  private watch(signal: AbortSignal): void {
    if (this.watched.has(signal)) return;
    this.watched.add(signal);
    signal.addEventListener(
      'abort',
      () => {
        for (const entry of [...this.deadlines.entries()]) {
          const exchange = entry as Exchange;
          if (exchange.signal === signal) exchange.abort('aborted', abortedError(signal.reason));
        }
      },
      { once: true },
    );
  }

  /** undici's options for `req`, with our user agent when it has none. */
  private dispatchOptions(req: HttpRequest): Dispatcher.DispatchOptions {
    return { origin: req.origin, path: req.path, method: req.method as Dispatcher.HttpMethod, headers: this.withUserAgent(req.headers), body: req.body ?? null };
  }

  private withUserAgent(headers: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
    // Compiled requests are lower-cased; only a request without a user agent gets a copy with ours.
    if (headers['user-agent'] !== undefined) return headers;
    for (const name in headers) if (name.toLowerCase() === 'user-agent') return headers;
    return { ...headers, 'user-agent': this.userAgent };
  }
}

function abortedError(reason: unknown): HttpTransportError {
  return new HttpTransportError('aborted', 'aborted: the caller cancelled the request', { cause: reason });
}

/** The port of an `http(s)://host[:port]` origin, the scheme's default when it names none. */
function portOf(origin: string): number {
  const url = new URL(origin);
  return url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}
