import { MIN_SECRET_LENGTH } from '../../core/redactor.ts';
import { SecretMissingError } from './errors.ts';

/** Opens and closes a reference, and is written twice to stand for itself. */
const MARK = '\u0000';

/**
 * `SecretSeal` keeps secret values out of the run state a lifecycle carries between functions (the
 * variables of a parked or journaled cursor, the values setup captured) without losing them: a value
 * a target echoed back and the plan captured must still be sent as it was when the lifecycle goes on
 * in another worker. `seal` replaces each occurrence of a secret by a reference to its name
 * (`\0NAME\0`; a `\0` already there is doubled), `unseal` puts the current value back. DynamoDB and
 * SQS then hold names only, and a rotated secret is picked up where the lifecycle resumes.
 *
 * Values shorter than four characters are left as they are (see `MIN_SECRET_LENGTH`). Only strings
 * change; numbers, booleans and the shape of the data do not.
 *
 * @example
 * const seal = new SecretSeal({ TOKEN: 's3cr3t-token' });
 * const stored = seal.seal({ echoed: 'Bearer s3cr3t-token' }); // { echoed: 'Bearer \0TOKEN\0' }
 * seal.unseal(stored);                                         // { echoed: 'Bearer s3cr3t-token' }
 */
export class SecretSeal {
  /** Secrets worth sealing, by name, longest value first. */
  private readonly secrets: ReadonlyArray<readonly [string, string]>;
  private readonly byName: ReadonlyMap<string, string>;

  constructor(env: Readonly<Record<string, string | undefined>>) {
    const secrets = Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1].length >= MIN_SECRET_LENGTH);
    this.secrets = secrets.sort((a, b) => b[1].length - a[1].length);
    this.byName = new Map(secrets);
  }

  /** True when there is a secret to seal. */
  get active(): boolean {
    return this.secrets.length > 0;
  }

  /** A copy of `data` with every secret in its strings replaced by a reference to it. */
  seal<T>(data: T): T {
    return this.active ? mapStrings(data, (text) => this.sealText(text)) : data;
  }

  /** A copy of sealed `data` with each reference replaced by the secret's current value. */
  unseal<T>(data: T): T {
    return this.active ? mapStrings(data, (text) => this.unsealText(text)) : data;
  }

  private sealText(text: string): string {
    // Where each secret occurs in the text as it is; a longer secret wins where two overlap.
    const spans: Array<{ from: number; to: number; name: string }> = [];
    for (const [name, value] of this.secrets) {
      for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) spans.push({ from: at, to: at + value.length, name });
    }
    if (spans.length === 0 && !text.includes(MARK)) return text;
    spans.sort((a, b) => a.from - b.from || b.to - a.to);
    let out = '';
    let kept = 0;
    for (const span of spans) {
      if (span.from < kept) continue;
      out += escape(text.slice(kept, span.from)) + MARK + span.name + MARK;
      kept = span.to;
    }
    return out + escape(text.slice(kept));
  }

  private unsealText(text: string): string {
    if (!text.includes(MARK)) return text;
    let out = '';
    let at = 0;
    for (let mark = text.indexOf(MARK); mark >= 0; mark = text.indexOf(MARK, at)) {
      out += text.slice(at, mark);
      if (text[mark + 1] === MARK) {
        out += MARK;
        at = mark + 2;
        continue;
      }
      const end = text.indexOf(MARK, mark + 1);
      const name = text.slice(mark + 1, end < 0 ? undefined : end);
      const value = end < 0 ? undefined : this.byName.get(name);
      if (value === undefined) throw new SecretMissingError(name, `loadfleet: the run's state refers to secret ${name}, which this function does not have (was it removed from loadfleet.secrets during the run?)`);
      out += value;
      at = end + 1;
    }
    return out + text.slice(at);
  }
}

function escape(text: string): string {
  return text.includes(MARK) ? text.replaceAll(MARK, MARK + MARK) : text;
}

/** A copy of plain JSON-like data with `map` applied to every string (object keys stay). */
function mapStrings<T>(data: T, map: (text: string) => string): T {
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return map(value);
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item)]));
    return value;
  };
  return walk(data) as T;
}
