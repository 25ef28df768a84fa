import type { LifecycleEvent } from './ports.ts';

/** What every hidden value is replaced with. */
export const MASK = '***';

/**
 * The shortest value a {@link Redactor} hides. A value of one to three characters protects nothing
 * (a few hundred thousand guesses find it), and masking it would ruin every number, key and date
 * that happens to contain it, while the masks themselves would show where the value was. The plan
 * loader warns about such values instead (see `collectEnvRefs`).
 */
export const MIN_SECRET_LENGTH = 4;

/** Keys whose values `Redactor.value` copies untouched (encoded data that a mask would corrupt). */
export type SkipKeys = ReadonlySet<string>;

const NO_KEYS: SkipKeys = new Set();

/**
 * `Redactor` hides secret values (the plan's `${env:NAME}` values, secrets fetched on AWS) in text and
 * data on their way out: terminal lines, reports, events, logs, metrics, stored rows. Every sink takes
 * one and runs what it writes through it; a redactor without secrets returns its input as is, so the
 * cost of an unused one is a length check.
 *
 * Each secret is looked for in three spellings: as is, escaped as inside a JSON string (`"` -> `\"`),
 * and percent-encoded as in a URL, because error messages quote values with `JSON.stringify` and URLs
 * carry them encoded. Every occurrence of every spelling is found first and the union of their spans is
 * masked, so secrets that overlap or contain one another are hidden whole.
 *
 * @example
 * const redactor = new Redactor(['s3cr3t-token']);
 * redactor.text('Authorization: Bearer s3cr3t-token'); // 'Authorization: Bearer ***'
 * redactor.value({ verified: { echoed: 's3cr3t-token' } }); // { verified: { echoed: '***' } }
 */
export class Redactor {
  /** A redactor with nothing to hide. */
  static readonly none: Redactor = new Redactor([]);

  /** Every spelling of every secret, longest first. */
  private readonly needles: readonly string[];

  constructor(secrets: Iterable<string>) {
    const forms = new Set<string>();
    for (const secret of secrets) {
      if (secret.length < MIN_SECRET_LENGTH) continue;
      forms.add(secret);
      forms.add(JSON.stringify(secret).slice(1, -1));
      const encoded = percentEncoded(secret);
      if (encoded !== undefined) forms.add(encoded);
    }
    this.needles = [...forms].sort((a, b) => b.length - a.length);
  }

  /** True when there is something to hide. */
  get active(): boolean {
    return this.needles.length > 0;
  }

  /** `text` with every occurrence of a secret replaced by `***`. */
  text(text: string): string {
    if (this.needles.length === 0) return text;
    let spans: Array<[number, number]> | undefined;
    for (const needle of this.needles) {
      for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) (spans ??= []).push([at, at + needle.length]);
    }
    if (spans === undefined) return text;
    spans.sort((a, b) => a[0] - b[0]);
    // Merge overlapping (and touching) spans, then mask each merged span once.
    let out = '';
    let kept = 0;
    let start = -1;
    let end = -1;
    for (const [from, to] of spans) {
      if (end >= 0 && from <= end) {
        end = Math.max(end, to);
        continue;
      }
      if (end >= 0) {
        out += text.slice(kept, start) + MASK;
        kept = end;
      }
      start = from;
      end = to;
    }
    return out + text.slice(kept, start) + MASK + text.slice(end);
  }

  /** `text` for an optional value. */
  optional(text: string | undefined): string | undefined {
    return text === undefined ? undefined : this.text(text);
  }

  /**
   * A copy of plain JSON-like data with every string, and every object key, redacted. Two keys that
   * become the same once masked are merged: numbers are added (count maps such as a report's
   * failure reasons stay exact), anything else keeps the last. Values under `skip` keys are copied
   * untouched. Returns the input itself when there is nothing to hide.
   */
  value<T>(data: T, skip: SkipKeys = NO_KEYS): T {
    if (this.needles.length === 0) return data;
    // Shared (or, from YAML aliases, cyclic) objects are copied once and stay shared.
    const copies = new Map<object, unknown>();
    const walk = (value: unknown): unknown => {
      if (typeof value === 'string') return this.text(value);
      if (value === null || typeof value !== 'object') return value;
      const known = copies.get(value);
      if (known !== undefined) return known;
      if (Array.isArray(value)) {
        const list: unknown[] = [];
        copies.set(value, list);
        for (const item of value) list.push(walk(item));
        return list;
      }
      const copy: Record<string, unknown> = {};
      copies.set(value, copy);
      for (const [key, item] of Object.entries(value)) {
        const shown = this.text(key);
        const next = skip.has(key) ? item : walk(item);
        const before = Object.hasOwn(copy, shown) ? copy[shown] : undefined;
        const merged = typeof before === 'number' && typeof next === 'number' ? before + next : next;
        // defineProperty, not assignment: a "__proto__" key must stay a key.
        Object.defineProperty(copy, shown, { value: merged, enumerable: true, writable: true, configurable: true });
      }
      return copy;
    };
    return walk(data) as T;
  }

  /**
   * Masks an error's message and stack in place (its class, code and cause stay) and returns it, so
   * an error can leave a component that knows the secrets without carrying one.
   */
  error<E>(error: E): E {
    if (this.needles.length === 0 || !(error instanceof Error)) return error;
    error.message = this.text(error.message);
    if (error.stack !== undefined) error.stack = this.text(error.stack);
    return error;
  }

  /** A lifecycle event with its free-text fields (key, request, states, error kind, reason) redacted. */
  event(event: LifecycleEvent): LifecycleEvent {
    if (this.needles.length === 0) return event;
    const { key, request, from, to, errorKind, reason } = event;
    return {
      ...event,
      key: this.text(key),
      request: this.optional(request),
      from: this.optional(from),
      to: this.optional(to),
      errorKind: this.optional(errorKind),
      reason: this.optional(reason),
    };
  }
}

/** The secret as `encodeURIComponent` writes it, when that differs (undefined for a lone surrogate). */
function percentEncoded(secret: string): string | undefined {
  try {
    return encodeURIComponent(secret);
  } catch {
    return undefined;
  }
}
