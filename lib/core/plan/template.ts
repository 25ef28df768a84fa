import { CEILINGS_DOC, MAX_PAD_WIDTH } from '../ceilings.ts';
import { LoadfleetError } from '../errors.ts';
import { Rng, uuidFrom } from '../rng.ts';
import { compilePath } from './path.ts';

/**
 * `TemplateContext` is what a template may read while a lifecycle runs. `vars` holds captured values;
 * `now` comes from the Clock port so templates stay pure.
 */
export interface TemplateContext {
  readonly payload: Readonly<Record<string, unknown>>;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly index: number;
  readonly runId: string;
  readonly now: number;
  /** The lifecycle's generator, for `{{uuid}}` (deterministic per seed). */
  readonly rng?: Rng;
}

/** A compiled template expression: returns the raw value (string, number, object...). */
type Resolver = (ctx: TemplateContext) => unknown;

/** A compiled string template. */
export type StringTemplate = (ctx: TemplateContext) => string;

const EXPR_RE = /\{\{\s*([^{}]+?)\s*\}\}/g;
const WHOLE_RE = /^\{\{\s*([^{}]+?)\s*\}\}$/;

/** `TemplateError` names a template expression loadfleet cannot resolve. */
export class TemplateError extends LoadfleetError {
  constructor(message: string) {
    super('TEMPLATE_INVALID', message);
  }
}

/**
 * Compiles one `{{ expression }}`. Expressions: `payload`, `payload.a.b`, `vars.x` (or a bare
 * captured name `x`), `index` (0-based), `seq` (1-based), `run.id`, `now` (ISO time), `now.ms`, and
 * `uuid` (a fresh id per use, drawn from the lifecycle's seeded generator).
 * A `:0N` suffix zero-pads a number, e.g. `{{seq:06}}` -> `000042`. A `:raw` suffix marks a value to
 * insert into a request path as it is, not percent-encoded (see `compileUrlPath`); elsewhere it
 * changes nothing.
 */
export function compileExpression(source: string): Resolver {
  return parseExpression(source).resolve;
}

/** A compiled expression, and whether it asked (`:raw`) to go into a path without encoding. */
interface Expression {
  readonly resolve: Resolver;
  readonly raw: boolean;
}

function parseExpression(source: string): Expression {
  const [expr, format] = source.split(':', 2) as [string, string | undefined];
  const base = compileBase(expr.trim());
  if (format === undefined) return { resolve: base, raw: false };
  if (format.trim() === 'raw') return { resolve: base, raw: true };
  const pad = /^0(\d+)$/.exec(format.trim());
  if (!pad) throw new TemplateError(`unknown format ":${format}" in {{${source}}}: use :0N to zero-pad (e.g. {{seq:06}}) or :raw to insert a value into a path unencoded`);
  const width = Number(pad[1]);
  if (width > MAX_PAD_WIDTH) throw new TemplateError(`zero-padding width ${width} in {{${source}}} is above ${MAX_PAD_WIDTH} (a safe integer has 16 digits; ${CEILINGS_DOC})`);
  return { resolve: (ctx) => String(base(ctx)).padStart(width, '0'), raw: false };
}

function compileBase(expr: string): Resolver {
  switch (expr) {
    case 'index':
      return (ctx) => ctx.index;
    case 'seq':
      return (ctx) => ctx.index + 1;
    case 'run.id':
      return (ctx) => ctx.runId;
    case 'now':
      return isoNow();
    case 'now.ms':
      return (ctx) => Math.round(ctx.now);
    case 'payload':
      return (ctx) => ctx.payload;
    case 'uuid':
      return (ctx) => uuidFrom(ctx.rng ?? Rng.derive(0, 'uuid', ctx.index));
  }
  if (expr.startsWith('payload.')) {
    const get = compilePath(expr.slice('payload.'.length));
    return (ctx) => get(ctx.payload);
  }
  const name = expr.startsWith('vars.') ? expr.slice('vars.'.length) : expr;
  if (!/^[A-Za-z_][\w.[\]]*$/.test(name)) throw new TemplateError(`invalid template expression {{${expr}}}`);
  const get = compilePath(name);
  return (ctx) => get(ctx.vars);
}

/**
 * `{{now}}`: `new Date(ctx.now).toISOString()`, formatted once per millisecond (a Date keeps whole
 * milliseconds, truncated): requests rendered in the same millisecond share the text.
 */
function isoNow(): Resolver {
  let ms = Number.NaN;
  let text = '';
  return (ctx) => {
    const at = Math.trunc(ctx.now);
    if (at !== ms) {
      text = new Date(at).toISOString();
      ms = at;
    }
    return text;
  };
}

/** Returns the names of captured variables a template text refers to (to check them at validation). */
export function referencedVars(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(EXPR_RE)) {
    const expr = (match[1] as string).split(':', 1)[0]!.trim();
    if (['index', 'seq', 'run.id', 'now', 'now.ms', 'payload', 'uuid'].includes(expr) || expr.startsWith('payload.')) continue;
    names.push((expr.startsWith('vars.') ? expr.slice(5) : expr).split(/[.[]/, 1)[0]!);
  }
  return names;
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Compiles a string with `{{ }}` expressions into a function that renders it. */
export function compileString(text: string): StringTemplate {
  const parts: Array<string | Resolver> = [];
  let last = 0;
  for (const match of text.matchAll(EXPR_RE)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(compileExpression(match[1] as string));
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return joinParts(parts);
}

/** A renderer of literal parts and resolved values, joined (a constant when nothing is resolved). */
function joinParts(parts: ReadonlyArray<string | Resolver>): StringTemplate {
  if (parts.length === 0) return () => '';
  if (parts.length === 1 && typeof parts[0] === 'string') {
    const constant = parts[0];
    return () => constant;
  }
  return (ctx) => {
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : stringify(part(ctx));
    return out;
  };
}

/**
 * Compiles a request path (with its query) into a function that renders it. The literal text is kept
 * as written; each `{{ }}` value is percent-encoded as a URI component (every byte but letters,
 * digits and `-._~`), so a value such as `../../admin?role=admin&x=` stays one segment or one
 * parameter value and cannot change the path or add a parameter. `{{x:raw}}` inserts the value
 * unencoded. Either way the path only ever goes to the plan's origin: the origin is not part of it.
 *
 * @example
 * compileUrlPath('/orders/{{id}}?q={{q}}')({ ...ctx, vars: { id: 'a/b', q: 'x&y' } }) // '/orders/a%2Fb?q=x%26y'
 */
export function compileUrlPath(text: string): StringTemplate {
  const parts: Array<string | Resolver> = [];
  let last = 0;
  for (const match of text.matchAll(EXPR_RE)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    const { resolve, raw } = parseExpression(match[1] as string);
    parts.push(raw ? resolve : (ctx) => encodePathValue(stringify(resolve(ctx))));
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return joinParts(parts);
}

const UNRESERVED_RE = /^[A-Za-z0-9\-._~]*$/;

/**
 * Percent-encodes `value` as a URI component: UTF-8 bytes, every one but the unreserved characters of
 * RFC 3986 (`encodeURIComponent`, plus `!'()*`, which it leaves). A lone surrogate becomes U+FFFD
 * instead of throwing.
 */
export function encodePathValue(value: string): string {
  if (UNRESERVED_RE.test(value)) return value;
  return encodeURIComponent(value.toWellFormed()).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Compiles a JSON body into a renderer of its JSON text. A string that is exactly one expression is
 * replaced by the raw value (`"{{payload}}"` becomes the payload object, `"{{seq}}"` a number); other
 * strings are interpolated. Constant subtrees are serialised once, at compile time.
 */
export function compileJson(value: unknown): StringTemplate {
  if (!containsTemplate(value)) {
    const constant = JSON.stringify(value) ?? 'null';
    return () => constant;
  }
  if (typeof value === 'string') {
    const whole = WHOLE_RE.exec(value);
    if (whole) {
      const resolve = compileExpression(whole[1] as string);
      return (ctx) => JSON.stringify(resolve(ctx)) ?? 'null';
    }
    const render = compileString(value);
    return (ctx) => JSON.stringify(render(ctx));
  }
  if (Array.isArray(value)) {
    const items = value.map(compileJson);
    return (ctx) => `[${items.map((item) => item(ctx)).join(',')}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([key, child]) => [JSON.stringify(key) + ':', compileJson(child)] as const,
  );
  return (ctx) => {
    let out = '{';
    for (let i = 0; i < entries.length; i++) {
      const [key, render] = entries[i]!;
      out += (i > 0 ? ',' : '') + key + render(ctx);
    }
    return out + '}';
  };
}

/** True when a JSON value holds at least one `{{ }}` expression. */
export function containsTemplate(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{');
  if (Array.isArray(value)) return value.some(containsTemplate);
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsTemplate);
  return false;
}
