import { LoadfleetError } from '../errors.ts';

/** A compiled property path: reads a nested value from an object, or `undefined` when absent. */
export type PathGetter = (root: unknown) => unknown;

const SEGMENT_RE = /([^.[\]]+)|\[(\d+)\]/g;

/**
 * Compiles a path such as `$.items[0].id` (JSON body) or `payload.type` (template context) into a getter.
 * Only dotted keys and numeric indexes are supported: enough for captures and conditions, and safe
 * (no expressions, no eval). A leading `$` means "the root".
 *
 * We write this instead of using a JSONPath library because we need a tiny, allocation-free subset
 * whose semantics fit in one sentence; filters and wildcards have no use in a capture.
 *
 * @example
 * compilePath('$.order.id')({ order: { id: 7 } }); // 7
 */
export function compilePath(path: string): PathGetter {
  const segments = parsePath(path);
  return (root) => {
    let value: unknown = root;
    for (const segment of segments) {
      if (value === null || typeof value !== 'object') return undefined;
      value = (value as Record<string | number, unknown>)[segment];
    }
    return value;
  };
}

/** Splits a path into keys and indexes; throws `InvalidPathError` on anything else. */
export function parsePath(path: string): Array<string | number> {
  const text = path.startsWith('$') ? path.slice(1) : path;
  const segments: Array<string | number> = [];
  let consumed = 0;
  for (const match of text.matchAll(SEGMENT_RE)) {
    const between = text.slice(consumed, match.index);
    if (between !== '' && between !== '.') throw new InvalidPathError(path);
    segments.push(match[2] !== undefined ? Number(match[2]) : (match[1] as string));
    consumed = match.index + match[0].length;
  }
  if (text.slice(consumed) !== '') throw new InvalidPathError(path);
  return segments;
}

/** `InvalidPathError` names a path that is not of the `$.a.b[0]` form. */
export class InvalidPathError extends LoadfleetError {
  constructor(path: string) {
    super('PATH_INVALID', `invalid path ${JSON.stringify(path)}: use dotted keys and [n] indexes, e.g. "$.order.id" or "payload.type"`);
  }
}
