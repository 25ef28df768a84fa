/**
 * What a request path may hold as written in a plan. The request line is `METHOD path HTTP/1.1`, so a
 * space would end the path and CR or LF the line (request smuggling); undici refuses any character
 * outside U+0021-U+00FF at send time. A plan's own text is checked here, at its position, before
 * anything is sent; values a template inserts are percent-encoded (or, with `:raw`, refused by the HTTP
 * client as `invalid-request`).
 */

/** A character a literal path may not hold: anything outside visible ASCII (U+0021 to U+007E). */
const NOT_PATH_CHAR_RE = /[^\x21-\x7e]/u;

const CHAR_NAMES: Readonly<Record<string, string>> = { ' ': 'a space', '\r': 'CR', '\n': 'LF', '\t': 'a tab', '\0': 'NUL' };

/** What a path may hold, in words, for messages. */
export const PATH_RULE = 'a path is visible ASCII only: percent-encode anything else (a space is %20, é is %C3%A9)';

/**
 * `forbiddenPathChar` names the first character of `path` that may not stand in a request line as
 * written (`a space (U+0020)`, `CR (U+000D)`), or returns undefined when there is none.
 *
 * @example
 * forbiddenPathChar('/details?orderId={{orderId}}'); // undefined
 * forbiddenPathChar('/a b');                          // 'a space (U+0020)'
 */
export function forbiddenPathChar(path: string): string | undefined {
  const found = NOT_PATH_CHAR_RE.exec(path);
  if (found === null) return undefined;
  const char = found[0];
  const code = `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  const name = CHAR_NAMES[char];
  return name === undefined ? code : `${name} (${code})`;
}
