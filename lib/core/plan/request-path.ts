/**
 * What a request path may hold as written in a plan. The request line is `METHOD path HTTP/1.1`, so a
 * space would end the path and CR or LF the line (request smuggling); undici refuses any character
 * outside U+0021-U+00FF at send time. A plan's own text is checked here, at its position, before
 * anything is sent; values a template inserts are percent-encoded (or, with `:raw`, refused by the HTTP
 * client as `invalid-request`).
 */

import { firstForbidden } from './headers.ts';

/** A character a literal path may not hold: anything outside visible ASCII (U+0021 to U+007E). */
const NOT_PATH_CHAR_RE = /[^\x21-\x7e]/u;

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
  return firstForbidden(NOT_PATH_CHAR_RE, path);
}
