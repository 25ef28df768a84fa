/**
 * The demo target's routing vocabulary: what a route module declares (`Route`), what a handler returns
 * (`Reply`), and the `Router` that finds a route for a method and path. Route modules (orders, control,
 * hazards, and later purchases, webhooks, coupons, shop) only build `Route` lists; the dispatcher owns
 * everything HTTP.
 */
import type { ServerResponse } from 'node:http';

/** `HttpMethod` is a method a route can answer. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** `RouteRequest` is what a handler sees: the query, the parsed JSON body, and an abort signal. */
export interface RouteRequest {
  readonly query: URLSearchParams;
  /** The parsed JSON body when the route declares `body: 'json'`; otherwise `undefined`. */
  readonly body: unknown;
  /** Aborts when the client goes away or the target closes, so slow handlers stop promptly. */
  readonly signal: AbortSignal;
}

/** `JsonReply` is a JSON response: the common case. */
export interface JsonReply {
  readonly status: number;
  readonly json: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** `TextReply` is a raw body with headers of the handler's choosing (e.g. deliberately broken JSON). */
export interface TextReply {
  readonly status: number;
  readonly text: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * `StreamReply` writes its body over time. `write` is called after the head is sent and must resolve
 * (or reject) once `signal` aborts; the dispatcher ends the response afterwards.
 */
export interface StreamReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  write(res: ServerResponse, signal: AbortSignal): Promise<void>;
}

/** `Reply` is anything a handler may return. */
export type Reply = JsonReply | TextReply | StreamReply;

/** `Route` is one endpoint a module offers. */
export interface Route {
  readonly method: HttpMethod;
  /** Exact path, without query string, e.g. `/activate`. */
  readonly path: string;
  /** `'json'` makes the dispatcher parse the body (400 when malformed or empty). Default `'none'`. */
  readonly body?: 'json' | 'none';
  /**
   * Control-plane routes (`/_stats`, `/_faults`, `/_reset`) are neither counted nor faulted: reading
   * or steering the ground truth must not change it.
   */
  readonly control?: boolean;
  handle(req: RouteRequest): Reply | Promise<Reply>;
}

/** `RouteMatch` is the result of `Router.match`: a route, or the methods the path does allow. */
export type RouteMatch =
  | { readonly kind: 'found'; readonly route: Route }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' };

/** `routeKey` is the `"<METHOD> <path>"` key used by stats and fault rules. */
export function routeKey(method: string, path: string): string {
  return `${method} ${path}`;
}

/** `json` builds a `JsonReply`; a small helper so handlers read as `return json(200, {...})`. */
export function json(status: number, body: unknown): JsonReply {
  return { status, json: body };
}

/**
 * `Router` maps exact `"<METHOD> <path>"` keys to routes. Paths are exact (no parameters): every
 * demo endpoint takes its ids from the query or the body, which keeps stats keys low-cardinality.
 */
export class Router {
  private readonly byKey = new Map<string, Route>();
  private readonly methodsByPath = new Map<string, string[]>();

  /** Builds a router; throws when two routes claim the same method and path. */
  constructor(routes: Iterable<Route>) {
    for (const route of routes) {
      const key = routeKey(route.method, route.path);
      if (this.byKey.has(key)) throw new Error(`duplicate route: ${key}`);
      this.byKey.set(key, route);
      const methods = this.methodsByPath.get(route.path) ?? [];
      methods.push(route.method);
      this.methodsByPath.set(route.path, methods);
    }
  }

  /** Finds the route for a request. */
  match(method: string, path: string): RouteMatch {
    const route = this.byKey.get(routeKey(method, path));
    if (route) return { kind: 'found', route };
    const allow = this.methodsByPath.get(path);
    return allow ? { kind: 'method-not-allowed', allow } : { kind: 'not-found' };
  }
}
