import { compilePath, type PathGetter } from '../plan/path.ts';
import { compileJson, compileString, type StringTemplate } from '../plan/template.ts';
import type { Plan, RequestSpec, RetryPolicy } from '../plan/schema.ts';

/**
 * `CompiledRequest` is a named request with every template compiled once per plan, so sending it
 * costs string concatenation, not parsing.
 */
export interface CompiledRequest {
  readonly name: string;
  readonly method: string;
  readonly url: StringTemplate;
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
  const base = plan.target.baseUrl.replace(/\/+$/, '');
  for (const [name, spec] of Object.entries(plan.requests)) compiled.set(name, compileRequest(name, spec, plan, base));
  return compiled;
}

function compileRequest(name: string, spec: RequestSpec, plan: Plan, base: string): CompiledRequest {
  const headers = new Map<string, string>();
  for (const [key, value] of Object.entries(plan.target.headers)) headers.set(key.toLowerCase(), value);
  for (const [key, value] of Object.entries(spec.headers)) headers.set(key.toLowerCase(), value);
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
    url: compileString(base + spec.path),
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
