import { compilePath, type PathGetter } from '../plan/path.ts';
import { parseBaseUrl, type BaseUrl } from '../plan/base-url.ts';
import { compileJson, compileString, compileUrlPath, type StringTemplate } from '../plan/template.ts';
import type { Plan, RequestSpec, RetryPolicy } from '../plan/schema.ts';

/**
 * `CompiledRequest` is a named request with every template compiled once per plan, so sending it
 * costs string concatenation, not parsing. Its origin is fixed here, from the plan's baseUrl: no
 * template renders it, so no payload or captured value can send the request anywhere else.
 */
export interface CompiledRequest {
  readonly name: string;
  readonly method: string;
  /** `scheme://host[:port]` of the plan's baseUrl, the same for every request of the plan. */
  readonly origin: string;
  /** Renders the path and query (always starting with one `/`), values percent-encoded. */
  readonly path: StringTemplate;
  readonly headers: ReadonlyArray<readonly [string, StringTemplate]>;
  /**
   * The headers, rendered once, when none of them holds a `{{ }}` expression: every send shares this
   * object (nothing writes to it; a trace stamp goes on a copy). Undefined = render per request.
   */
  readonly staticHeaders: Readonly<Record<string, string>> | undefined;
  readonly body: StringTemplate | undefined;
  /** Statuses that count as success; undefined = any 2xx. */
  readonly expect: ReadonlySet<number> | undefined;
  readonly captures: ReadonlyArray<readonly [string, PathGetter, string]>;
  readonly state: string | undefined;
  readonly retry: RetryPolicy | false;
  readonly timeoutMs: number;
  readonly rateLimit: number | undefined;
  /** Whether the response body must be read (captures, or a poll condition). */
  needsBody: boolean;
}

/** Compiles every request of a plan, keyed by name. */
export function compileRequests(plan: Plan): Map<string, CompiledRequest> {
  const compiled = new Map<string, CompiledRequest>();
  const base = parseBaseUrl(plan.target.baseUrl);
  for (const [name, spec] of Object.entries(plan.requests)) compiled.set(name, compileRequest(name, spec, plan, base));
  return compiled;
}

function compileRequest(name: string, spec: RequestSpec, plan: Plan, base: BaseUrl): CompiledRequest {
  const headers = new Map<string, string>();
  for (const [key, value] of Object.entries(plan.target.headers)) headers.set(key.toLowerCase(), value);
  for (const [key, value] of Object.entries(spec.headers)) headers.set(key.toLowerCase(), value);
  // The base URL's userinfo is sent, as browsers and curl send it: Basic auth, unless the plan sets its own.
  if (base.authorization !== undefined && !headers.has('authorization')) headers.set('authorization', base.authorization);
  let body: StringTemplate | undefined;
  if (spec.body !== undefined) {
    if (typeof spec.body === 'string') {
      body = compileString(spec.body);
    } else {
      body = compileJson(spec.body);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
  }
  const captures = Object.entries(spec.capture).map(([varName, path]) => [varName, compilePath(path), path] as const);
  const templated = [...headers.values()].some((value) => value.includes('{{'));
  return {
    name,
    method: spec.method,
    origin: base.origin,
    path: pathOnOrigin(base.basePath, compileUrlPath(spec.path)),
    headers: [...headers].map(([key, value]) => [key, compileString(value)] as const),
    staticHeaders: templated ? undefined : Object.fromEntries(headers),
    body,
    expect: spec.expect ? new Set(spec.expect) : undefined,
    captures,
    state: spec.state,
    retry: spec.retry === undefined ? plan.target.retry : spec.retry,
    timeoutMs: spec.timeout ?? plan.target.timeout,
    rateLimit: spec.rateLimit ?? plan.target.rateLimit,
    needsBody: captures.length > 0,
  };
}

/**
 * The request path on the plan's origin: the base URL's path, then the rendered request path, with
 * its start made one `/`. A value inserted raw (`{{x:raw}}`) may render `//host/x` or `/\host/x`,
 * which some servers and proxies read as another host (a scheme-relative URL); collapsed to `/host/x`,
 * it is an ordinary path. The origin is not part of the text, so nothing rendered here can change it.
 */
function pathOnOrigin(basePath: string, path: StringTemplate): StringTemplate {
  return (ctx) => {
    const full = basePath + path(ctx);
    const second = full.charCodeAt(1);
    // The common case: one `/`, then anything but a second `/` or `\`.
    if (full.charCodeAt(0) === 47 && second !== 47 && second !== 92) return full;
    return `/${full.replace(/^[/\\]+/, '')}`;
  };
}
