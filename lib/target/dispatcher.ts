/**
 * The demo target's request pipeline: count -> route -> read body -> inject faults -> parse -> handle ->
 * reply. Everything HTTP-generic lives here, so a route module is only a list of handlers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultController } from './faults.ts';
import { BodyTooLargeError, parseJson, readBody, writeReply } from './http-io.ts';
import type { RequestStats } from './request-stats.ts';
import { json, routeKey } from './router.ts';
import type { Reply, Route, Router } from './router.ts';

/** `DispatcherDeps` is what the pipeline needs. */
export interface DispatcherDeps {
  readonly router: Router;
  readonly faults: FaultController;
  readonly stats: RequestStats;
  readonly log: (line: string) => void;
}

/** `RequestListener` is a node:http request handler. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * `createDispatcher` returns the node:http request listener of the target. It never throws: a handler
 * error becomes a 500 and a log line, and a client that vanished mid-request is simply forgotten.
 */
export function createDispatcher(deps: DispatcherDeps): RequestListener {
  return (req, res) => {
    // One controller per request; the target's close() destroys every socket, which lands here too,
    // so sleeps and drips stop on either a client hang-up or a shutdown.
    const aborter = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) aborter.abort();
    });
    dispatch(deps, req, res, aborter.signal).catch((error: unknown) => {
      if (aborter.signal.aborted || res.destroyed) return;
      deps.log(JSON.stringify({ level: 'error', msg: 'handler failed', method: req.method, url: req.url, error: String(error) }));
      if (!res.headersSent) {
        void writeReply(res, json(500, { error: 'internal error' }), aborter.signal, () => undefined);
      } else {
        res.destroy();
      }
    });
  };
}

async function dispatch(deps: DispatcherDeps, req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
  const { router, faults, stats } = deps;
  const method = req.method ?? 'GET';
  const url = parseUrl(req.url);
  if (!url) {
    const key = stats.unroutedKey(method, '(invalid url)');
    stats.received(key);
    return writeReply(res, json(400, { error: 'invalid url' }), signal, (s) => stats.responded(key, s));
  }

  const match = router.match(method, url.pathname);
  if (match.kind !== 'found') {
    const key = stats.unroutedKey(method, url.pathname);
    stats.received(key);
    const reply: Reply =
      match.kind === 'not-found'
        ? json(404, { error: 'not found', method, path: url.pathname })
        : { status: 405, json: { error: 'method not allowed', method, path: url.pathname, allow: match.allow }, headers: { allow: match.allow.join(', ') } };
    return writeReply(res, reply, signal, (s) => stats.responded(key, s));
  }

  const { route } = match;
  const key = routeKey(route.method, route.path);
  const counted = !route.control;
  if (counted) stats.received(key);
  const onHead = counted ? (s: number) => stats.responded(key, s) : () => undefined;

  let text = '';
  if (route.body === 'json') {
    try {
      text = await readBody(req);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      // Close the connection: the rest of the oversized body is still on the wire.
      const reply = { status: 413, json: { error: 'body too large', limit: error.limit }, headers: { connection: 'close' } };
      return writeReply(res, reply, signal, onHead);
    }
  }

  if (!route.control) {
    const fault = faults.decide(key);
    if (fault.latencyMs > 0) await sleep(fault.latencyMs, undefined, { signal });
    if (fault.errorStatus !== undefined) {
      stats.faultInjected(key);
      return writeReply(res, json(fault.errorStatus, { error: 'injected fault' }), signal, onHead);
    }
  }

  return writeReply(res, await handle(route, match.params, req, url, text, signal), signal, onHead);
}

async function handle(
  route: Route,
  params: Readonly<Record<string, string>>,
  req: IncomingMessage,
  url: URL,
  text: string,
  signal: AbortSignal,
): Promise<Reply> {
  let body: unknown;
  if (route.body === 'json') {
    const parsed = parseJson(text);
    if (!parsed) {
      route.onMalformedBody?.(req.headers);
      return json(400, { error: 'malformed JSON body' });
    }
    body = parsed.value;
  }
  return route.handle({ params, query: url.searchParams, headers: req.headers, body, signal });
}

function parseUrl(raw: string | undefined): URL | undefined {
  try {
    // The base only completes origin-form targets ("/details?x"); absolute-form ones keep their path.
    return new URL(raw ?? '/', 'http://target.invalid');
  } catch {
    return undefined;
  }
}
