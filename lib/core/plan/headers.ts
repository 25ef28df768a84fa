import * as z from 'zod';

/**
 * What HTTP allows in a header (RFC 9110 section 5): a name is a token, and a value holds visible
 * characters, spaces, tabs and obs-text (U+0080 to U+00FF), nothing else. CR and LF would end the
 * header and start another one (header injection), NUL ends it early on many servers; undici refuses
 * all of them. Checked when a plan is loaded, and again on every value a template renders.
 *
 * Written here, not imported: the rule is two regular expressions, undici keeps its own
 * (`isValidHTTPToken`, `isValidHeaderValue`) internal, and lib/core may not use node:http.
 */

/** `tchar` of RFC 9110 section 5.6.2: the characters of a header name. */
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A character outside `field-value` (RFC 9110 section 5.5): anything but HTAB, SP-~, and U+0080-U+00FF. */
const NOT_FIELD_CHAR_RE = /[^\t\x20-\x7e\x80-\xff]/u;

const CHAR_NAMES: Readonly<Record<string, string>> = { '\r': 'CR', '\n': 'LF', '\0': 'NUL', ' ': 'a space', '\t': 'a tab' };

/** `isHeaderName` tells whether `name` is an HTTP token, as a header name must be. */
export function isHeaderName(name: string): boolean {
  return TOKEN_RE.test(name);
}

/** What a header value may not hold, in words, for messages. */
export const HEADER_VALUE_RULE = 'a header value may not hold CR, LF, NUL, other control characters (tab aside) or characters above U+00FF';

/**
 * `forbiddenHeaderChar` names the first character of `value` HTTP does not allow in a header value
 * (`CR (U+000D)`, `U+0001`), or returns undefined when there is none. It names the character, never
 * the value: a value may be a secret.
 *
 * @example
 * forbiddenHeaderChar('Bearer abc');  // undefined
 * forbiddenHeaderChar('a\r\nx: 1');   // 'CR (U+000D)'
 */
export function forbiddenHeaderChar(value: string): string | undefined {
  return firstForbidden(NOT_FIELD_CHAR_RE, value);
}

/**
 * The first character of `text` that `forbidden` matches, named for a message (`CR (U+000D)`,
 * `a space (U+0020)`, `U+00E9`), or undefined when there is none. It names the character, never the
 * text, which may hold a secret.
 */
export function firstForbidden(forbidden: RegExp, text: string): string | undefined {
  const found = forbidden.exec(text);
  if (found === null) return undefined;
  const char = found[0];
  const code = `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  const name = CHAR_NAMES[char];
  return name === undefined ? code : `${name} (${code})`;
}

/** A header name in a plan: an HTTP token. */
export const HeaderNameSchema = z.string().regex(TOKEN_RE, 'a header name is letters, digits and !#$%&\'*+-.^_`|~ only (an HTTP token): no spaces, colons, CR or LF');

/** A header value in a plan (a template, checked as written; what it renders is checked when sent). */
export const HeaderValueSchema = z.string().superRefine((value, ctx) => {
  const char = forbiddenHeaderChar(value);
  if (char !== undefined) ctx.addIssue({ code: 'custom', message: `the header value holds ${char}: ${HEADER_VALUE_RULE}` });
});

/** `HeadersSchema`: the headers of a target or a request, names and values checked. */
export const HeadersSchema = z.record(HeaderNameSchema, HeaderValueSchema);
