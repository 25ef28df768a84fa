/**
 * The demo target's routing vocabulary: what a route module declares (`Route`), what a handler returns
 * (`Reply`), and the `Router` that finds a route for a method and path. Route modules (orders, control,
 * hazards, purchases, webhooks, coupons, shop) only build `Route` lists; the dispatcher owns
 * everything HTTP.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';

/** `HttpMethod` is a method a route can answer. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** `RouteRequest` is what a handler sees: path parameters, query, headers, parsed JSON body, abort signal. */
export interface RouteRequest {
  /** Values of the route's `:name` path segments, URL-decoded; empty for exact paths. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The request headers as node:http parsed them (lower-case names). */
  readonly headers: IncomingHttpHeaders;
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
  /**
   * Path without query string, e.g. `/activate`; a segment `:name` matches any one non-empty segment
   * and is handed to the handler as `params.name` (e.g. `/coupons/:name`). The path as written is the
   * stats and fault key, so `/coupons/A` and `/coupons/B` count under one `GET /coupons/:name`.
   */
  readonly path: string;
  /** `'json'` makes the dispatcher parse the body (400 when malformed or empty). Default `'none'`. */
  readonly body?: 'json' | 'none';
  /**
   * Called when the dispatcher answers 400 because the JSON body is malformed, before any handler
   * runs, so a module whose stats count its rejections ("rejected") sees those too. Gets the request
   * headers, for modules that count by them.
   */
  readonly onMalformedBody?: (headers: IncomingHttpHeaders) => void;
  /**
   * Control-plane routes (`/_stats`, `/_faults`, `/_reset`) are neither counted nor faulted: reading
   * or steering the ground truth must not change it.
   */
  readonly control?: boolean;
  handle(req: RouteRequest): Reply | Promise<Reply>;
}

/** `RouteMatch` is the result of `Router.match`: a route and its path parameters, or the methods the path does allow. */
export type RouteMatch =
  | { readonly kind: 'found'; readonly route: Route; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'method-not-allowed'; readonly allow: readonly string[] }
  | { readonly kind: 'not-found' };

/** `routeKey` is the `"<METHOD> <path>"` key used by stats and fault rules (the path as the route declares it). */
export function routeKey(method: string, path: string): string {
  return `${method} ${path}`;
}

/** `json` builds a `JsonReply`; a small helper so handlers read as `return json(200, {...})`. */
export function json(status: number, body: unknown): JsonReply {
  return { status, json: body };
}

interface PatternRoute {
  readonly route: Route;
  /** One entry per path segment: a literal, or `{ param }` for a `:name` segment. */
  readonly segments: readonly (string | { readonly param: string })[];
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * `Router` maps `"<METHOD> <path>"` to routes. Exact paths are looked up directly and win over
 * parametrised ones (`/coupons/claim` before `/coupons/:name`); parametrised routes are tried in
 * declaration order. The stats key stays the declared path, which keeps it low-cardinality.
 */
export class Router {
  /** Exact-path routes only: a literal request for `/coupons/:name` must not hit the pattern route without its params. */
  private readonly byKey = new Map<string, Route>();
  private readonly keys = new Set<string>();
  private readonly methodsByPath = new Map<string, string[]>();
  private readonly patterns: PatternRoute[] = [];

  /** Builds a router; throws when two routes claim the same method and path. */
  constructor(routes: Iterable<Route>) {
    for (const route of routes) {
      const key = routeKey(route.method, route.path);
      if (this.keys.has(key)) throw new Error(`duplicate route: ${key}`);
      this.keys.add(key);
      if (route.path.split('/').some((s) => s.startsWith(':'))) {
        const segments = route.path.split('/').map((s) => (s.startsWith(':') ? { param: s.slice(1) } : s));
        this.patterns.push({ route, segments });
        continue;
      }
      this.byKey.set(key, route);
      const methods = this.methodsByPath.get(route.path) ?? [];
      methods.push(route.method);
      this.methodsByPath.set(route.path, methods);
    }
  }

  /** Finds the route for a request. */
  match(method: string, path: string): RouteMatch {
    const route = this.byKey.get(routeKey(method, path));
    if (route) return { kind: 'found', route, params: NO_PARAMS };
    const allow = [...(this.methodsByPath.get(path) ?? [])];
    for (const pattern of this.patterns) {
      const params = matchSegments(pattern.segments, path);
      if (!params) continue;
      if (pattern.route.method === method) return { kind: 'found', route: pattern.route, params };
      if (!allow.includes(pattern.route.method)) allow.push(pattern.route.method);
    }
    return allow.length > 0 ? { kind: 'method-not-allowed', allow } : { kind: 'not-found' };
  }
}

function matchSegments(segments: PatternRoute['segments'], path: string): Record<string, string> | undefined {
  const parts = path.split('/');
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of segments.entries()) {
    const part = parts[i] ?? '';
    if (typeof segment === 'string') {
      if (part !== segment) return undefined;
      continue;
    }
    if (part === '') return undefined;
    try {
      params[segment.param] = decodeURIComponent(part);
    } catch {
      return undefined; // a malformed escape names no resource: 404 rather than 500
    }
  }
  return params;
}
