import { Agent, type Dispatcher } from 'undici';
import { HttpTransportError } from '../../core/errors.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../../core/ports.ts';
import { toTransportError, type TransportKind } from './undici-errors.ts';

/** `LOADFLEET_VERSION` is stamped into the default `user-agent` so target owners can spot our traffic. */
export const LOADFLEET_VERSION = '0.1.0';

/** `DEFAULT_CONNECTIONS` is the default socket cap per origin. */
export const DEFAULT_CONNECTIONS = 100;

/** `DEFAULT_MAX_RESPONSE_BYTES` (1 MiB) is the default cap on a response body we read. */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** `UndiciHttpClientOptions` configures an `UndiciHttpClient`; every field has a default. */
export interface UndiciHttpClientOptions {
  /** Sockets per origin for the default Agent. Default 100. Ignored when `dispatcher` is given. */
  readonly connections?: number | undefined;
  /** Bodies longer than this fail as `invalid-response`. Default 1 MiB. */
  readonly maxResponseBytes?: number | undefined;
  /** Dispatcher to send through (an Agent, a MockAgent in tests). Default: a new keep-alive `Agent`, closed by `close()`. */
  readonly dispatcher?: Dispatcher | undefined;
  /** `user-agent` sent when the request has none. Default `loadfleet/<version>`. */
  readonly userAgent?: string | undefined;
}

/**
 * `UndiciHttpClient` is the `HttpClient` on undici's `dispatcher.request()` fast path (not fetch).
 * It resolves for any HTTP status and rejects only with `HttpTransportError`.
 *
 * Every request gets one overall deadline, `req.timeoutMs`, covering connect, headers and the whole
 * body. undici's `headersTimeout`/`bodyTimeout` are idle timers that restart on every chunk, so a
 * target that drips a byte at a time would hold a request (and a socket) open indefinitely without it.
 *
 * @example
 * const client = new UndiciHttpClient({ connections: 50 });
 * const res = await client.send({ method: 'GET', url: 'http://127.0.0.1:8080/health', headers: {}, timeoutMs: 2000, readBody: true });
 * await client.close();
 */
export class UndiciHttpClient implements HttpClient {
  private readonly dispatcher: Dispatcher;
  /** Set only when we created the Agent, so `close()` never closes a dispatcher someone else owns. */
  private readonly owned: Agent | undefined;
  private readonly maxResponseBytes: number;
  private readonly userAgent: string;
  private closing: Promise<void> | undefined;

  constructor(opts: UndiciHttpClientOptions = {}) {
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.userAgent = opts.userAgent ?? `loadfleet/${LOADFLEET_VERSION}`;
    if (opts.dispatcher) {
      this.dispatcher = opts.dispatcher;
    } else {
      // undici keeps sockets alive between requests by default; only the pool size is ours to set.
      this.owned = new Agent({ connections: opts.connections ?? DEFAULT_CONNECTIONS });
      this.dispatcher = this.owned;
    }
  }

  /** Sends one request; see the class doc for the deadline and error contract. */
  async send(req: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
    if (signal?.aborted) throw abortedError(signal.reason);

    // One controller, one timer and one listener per request, all released in `finally`. A manual
    // controller rather than AbortSignal.any(): the caller's signal is long-lived (the whole run), and
    // we want to know which side fired without inspecting reasons.
    const controller = new AbortController();
    let firedBy: TransportKind | undefined;
    const timer = setTimeout(() => {
      firedBy ??= 'timeout';
      controller.abort(new HttpTransportError('timeout', `timeout: no complete response within ${req.timeoutMs} ms`));
    }, req.timeoutMs);
    const onAbort = (): void => {
      firedBy ??= 'aborted';
      controller.abort(abortedError(signal?.reason));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.exchange(req, controller.signal);
    } catch (err) {
      // Whichever of our signals fired first decides, whatever undici happened to throw on the way out.
      throw firedBy ? toTransportError(controller.signal.reason, firedBy) : toTransportError(err);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Closes the Agent this client created (waiting for in-flight requests); a no-op for an injected dispatcher. */
  close(): Promise<void> {
    this.closing ??= this.owned ? this.owned.close().then(() => undefined) : Promise.resolve();
    return this.closing;
  }

  /** Performs the request and reads (or discards) the body, all under `signal`. */
  private async exchange(req: HttpRequest, signal: AbortSignal): Promise<HttpResponse> {
    const url = new URL(req.url);
    const res = await this.dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: req.method,
      headers: this.withUserAgent(req.headers),
      body: req.body ?? null,
      signal,
    });
    const headers = res.headers;
    if (!req.readBody) {
      // dump() drains up to the limit so the socket can be reused; past it, it closes the socket.
      await res.body.dump({ limit: this.maxResponseBytes, signal });
      return { status: res.statusCode, headers, body: '' };
    }
    const body = await readCapped(res.body, this.maxResponseBytes, headers['content-length']);
    return { status: res.statusCode, headers, body };
  }

  /** Adds our `user-agent` unless the request sets one (header names are case-insensitive). */
  private withUserAgent(headers: Readonly<Record<string, string>>): Record<string, string> {
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === 'user-agent') return { ...headers };
    }
    return { ...headers, 'user-agent': this.userAgent };
  }
}

/**
 * Reads a body as UTF-8 text, failing with `invalid-response` once it exceeds `max` bytes. A declared
 * `content-length` over the cap fails before reading anything. Throwing inside `for await` destroys
 * the stream, which releases the socket.
 */
async function readCapped(body: Dispatcher.ResponseData['body'], max: number, contentLength: string | string[] | undefined): Promise<string> {
  const declared = typeof contentLength === 'string' ? Number(contentLength) : Number.NaN;
  if (declared > max) {
    // Without a listener the stream's own AbortError would surface as an uncaught 'error' event.
    body.on('error', () => undefined).destroy();
    throw oversize(max, `content-length ${declared}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw oversize(max, `${size} bytes read so far`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

function oversize(max: number, seen: string): HttpTransportError {
  return new HttpTransportError('invalid-response', `invalid-response: body exceeds ${max} bytes (${seen})`);
}

function abortedError(reason: unknown): HttpTransportError {
  return new HttpTransportError('aborted', 'aborted: the caller cancelled the request', { cause: reason });
}
