import { HttpTransportError } from '../../lib/core/errors.ts';
import type { Clock, HttpClient, HttpRequest, HttpResponse } from '../../lib/core/ports.ts';

/**
 * One scripted answer: a status with a body (objects are sent as JSON text), an error to throw
 * (`HttpTransportError` for transport failures), and optionally how long the exchange takes on the
 * fake clock.
 */
export interface Reply {
  readonly status?: number;
  readonly body?: unknown;
  readonly delayMs?: number;
  readonly error?: Error;
}

/** A reply, or a function of the request that returns one (for answers that depend on the body). */
export type Script = Reply | ((req: HttpRequest, call: number) => Reply);

/** One request the fake received: when (fake time), what, and the parsed pieces tests assert on. */
export interface RecordedCall {
  readonly at: number;
  readonly method: string;
  /** Path and query, without the origin, e.g. `/details?orderId=o-1`. */
  readonly path: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  readonly timeoutMs: number;
  readonly readBody: boolean;
}

/**
 * `ScriptedHttp` is a fake `HttpClient`: answers are scripted per `METHOD /pathname` (the query is
 * ignored for matching) and served in order, the last one repeating. Every call is recorded with the
 * fake clock's time. An unscripted route answers 404 so a missing script shows up in assertions.
 *
 * @example
 * const http = new ScriptedHttp(clock)
 *   .on('POST', '/orders', { status: 503 }, { status: 202, body: { orderId: 'o-1' } })
 *   .on('GET', '/details', { status: 200, body: { status: 'Accepted' } });
 */
export class ScriptedHttp implements HttpClient {
  readonly calls: RecordedCall[] = [];
  private readonly routes = new Map<string, { scripts: Script[]; served: number }>();
  closed = false;

  constructor(private readonly clock: Clock) {}

  /** Scripts the answers of `method path`, in order; the last one repeats. Replaces an earlier script. */
  on(method: string, path: string, ...scripts: Script[]): this {
    if (scripts.length === 0) throw new Error('ScriptedHttp.on needs at least one reply');
    this.routes.set(`${method} ${path}`, { scripts, served: 0 });
    return this;
  }

  /** The calls as `METHOD path @time`, compact enough to assert a whole sequence at once. */
  timeline(): string[] {
    return this.calls.map((c) => `${c.method} ${c.path} @${c.at}`);
  }

  /** The parsed JSON bodies of the calls to `method path` (path without query). */
  bodiesOf(method: string, pathname: string): unknown[] {
    return this.calls
      .filter((c) => c.method === method && c.path.split('?')[0] === pathname)
      .map((c) => (c.body === undefined ? undefined : JSON.parse(c.body)));
  }

  async send(req: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
    // Parsed against a dummy base: `req.path` is never read for a host (`//x` stays a path).
    const parsed = new URL(`http://scripted${req.path}`);
    const path = parsed.pathname + parsed.search;
    this.calls.push({
      at: this.clock.now(), method: req.method, path, url: req.origin + req.path, headers: { ...req.headers }, body: req.body,
      timeoutMs: req.timeoutMs, readBody: req.readBody,
    });
    const route = this.routes.get(`${req.method} ${parsed.pathname}`);
    let reply: Reply = { status: 404, body: { error: 'unscripted' } };
    if (route) {
      const script = route.scripts[Math.min(route.served, route.scripts.length - 1)] as Script;
      route.served++;
      reply = typeof script === 'function' ? script(req, route.served) : script;
    }
    if (reply.delayMs !== undefined && reply.delayMs > 0) {
      try {
        await this.clock.sleep(reply.delayMs, signal);
      } catch {
        throw new HttpTransportError('aborted', 'request aborted');
      }
    }
    if (reply.error) throw reply.error;
    const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    return { status: reply.status ?? 200, headers: { 'content-type': 'application/json' }, body: req.readBody ? body : '' };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
