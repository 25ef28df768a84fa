import * as z from 'zod';

/**
 * A plan's `target.baseUrl`, read once when the plan is compiled: the origin every request goes to,
 * fixed there (no template can ever choose it), the path prefix request paths are joined to, and the
 * URL's userinfo as a Basic `authorization` value.
 */
export interface BaseUrl {
  /** `scheme://host[:port]`, as the URL parser serialises it (default port left out). */
  readonly origin: string;
  /** The URL's path without trailing slashes (`/api`), or '' for none. Literal text, never a template. */
  readonly basePath: string;
  /** `Basic …` from the URL's `user:password@`, percent-decoded; undefined when the URL has none. */
  readonly authorization: string | undefined;
  /** The URL without userinfo, safe to print: `origin + basePath`. */
  readonly display: string;
}

/**
 * What is wrong with `text` as a target base URL, or undefined when nothing is. `label` names the key
 * in the message (`baseUrl`, `api.baseUrl`, `--base-url`). No message quotes the URL, which may
 * hold credentials.
 *
 * A base URL is an http(s) URL without `{{ }}` (the origin of every request is fixed before the run,
 * so a payload or a captured value can never decide where a request goes) and without a query or a
 * fragment (a request's own path carries its query).
 */
export function baseUrlProblem(text: string, label: string): string | undefined {
  if (text.includes('{{')) {
    return `${label} cannot hold a template ({{ }}): the origin of every request is fixed before the run starts. Put values in a request's path instead`;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${label} must be an http(s) URL, e.g. http://127.0.0.1:8080`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${label} must be an http(s) URL, e.g. http://127.0.0.1:8080`;
  if (url.search !== '' || url.hash !== '') return `${label} cannot have a query or a fragment: put the query in each request's path`;
  return undefined;
}

/** A zod schema of a base URL (see `baseUrlProblem`), with `label` naming the key in its messages. */
export function baseUrlSchema(label: string) {
  return z.string({ error: `${label} must be an http(s) URL, e.g. http://127.0.0.1:8080` }).superRefine((text, ctx) => {
    const problem = baseUrlProblem(text, label);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/**
 * Reads a base URL that `baseUrlProblem` accepts.
 *
 * @example
 * parseBaseUrl('http://ann:p%40ss@127.0.0.1:8080/api/')
 * // { origin: 'http://127.0.0.1:8080', basePath: '/api', authorization: 'Basic YW5uOnBAc3M=', display: 'http://127.0.0.1:8080/api' }
 */
export function parseBaseUrl(text: string): BaseUrl {
  const url = new URL(text);
  const basePath = url.pathname.replace(/\/+$/, '');
  const authorization = url.username !== '' || url.password !== '' ? basicAuthorization(url.username, url.password) : undefined;
  return { origin: url.origin, basePath, authorization, display: url.origin + basePath };
}

/**
 * `Basic base64(user:password)` from the URL's percent-encoded userinfo, decoded to bytes as curl and
 * browsers do (a malformed `%` sequence is kept as written).
 */
function basicAuthorization(username: string, password: string): string {
  const bytes = [...percentDecode(username), 0x3a, ...percentDecode(password)];
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

function percentDecode(text: string): number[] {
  const utf8 = new TextEncoder();
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      // The URL parser percent-encodes every non-ASCII character of userinfo; this is for the rest.
      out.push(...utf8.encode(text[i] as string));
    }
  }
  return out;
}
