import { MIN_SECRET_LENGTH, Redactor } from '../redactor.ts';
import { PlanValidationError, formatPath } from './issues.ts';
import type { PlanIssue } from './issues.ts';
import type { ParsedSource } from './positions.ts';

/** The environment, passed in (lib/core never reads `process.env`). */
export type EnvMap = Readonly<Record<string, string | undefined>>;

/**
 * The outcome of {@link collectEnvRefs}: the new data, the values taken from the environment (every
 * one of them, whether or not the plan turns out valid, so that problems can be reported without
 * them), the names of variables whose values are too short to mask, and problems.
 */
export interface EnvResolution {
  readonly data: unknown;
  readonly secrets: string[];
  /** Variables used whose value has 1 to 3 characters: such values are not masked (see `MIN_SECRET_LENGTH`). */
  readonly unmasked: string[];
  readonly issues: PlanIssue[];
}

/**
 * `${env:NAME}` or `${env:NAME:-default}`, or the escaped form `$${env:...}`, which stays literal.
 * The body stops at the first `}`; an unterminated reference leaves group 3 empty.
 */
const REF_RE = /(\$?)\$\{env:([^}]*)(\}?)/g;
const BODY_RE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/**
 * `collectEnvRefs` is {@link resolveEnvRefs} without the throw: it substitutes what it can and
 * returns the problems, so a caller can report them together with schema issues. A reference that
 * cannot be resolved is replaced by an empty string.
 */
export function collectEnvRefs(data: unknown, env: EnvMap, source: ParsedSource): EnvResolution {
  const secrets = new Set<string>();
  const unmasked = new Set<string>();
  const issues: PlanIssue[] = [];

  const resolveString = (text: string, path: ReadonlyArray<PropertyKey>): string => {
    const problem = (message: string): void => {
      issues.push({ file: source.file, ...source.locate(path), path: formatPath(path), message });
    };
    return text.replace(REF_RE, (whole, escape: string, body: string, close: string) => {
      if (escape === '$') return whole.slice(1);
      if (close === '') {
        problem(`unterminated environment reference ${JSON.stringify(whole)}: close it with "}"`);
        return '';
      }
      const match = BODY_RE.exec(body);
      if (match === null) {
        problem(`malformed environment reference ${JSON.stringify(whole)}: use \${env:NAME} or \${env:NAME:-default}`);
        return '';
      }
      const name = match[1] as string;
      const fallback = match[2];
      const value = env[name];
      // As in the shell, `:-` also applies when the variable is set but empty.
      if (fallback !== undefined && (value === undefined || value === '')) return fallback;
      if (value === undefined) {
        problem(`environment variable ${name} is not set`);
        return '';
      }
      secrets.add(value);
      if (value.length > 0 && value.length < MIN_SECRET_LENGTH) unmasked.add(name);
      return value;
    });
  };

  const walk = (value: unknown, path: PropertyKey[]): unknown => {
    if (typeof value === 'string') return value.includes('${env:') ? resolveString(value, path) : value;
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, [...path, key])]));
    }
    return value;
  };

  return { data: walk(data, []), secrets: [...secrets], unmasked: [...unmasked], issues };
}

/**
 * `resolveEnvRefs` replaces every `${env:NAME}` (or `${env:NAME:-default}`) inside string values,
 * several per string if need be, and returns a new structure (the input is not touched) with the
 * values it took from the environment, so callers can {@link redact} them from logs and reports.
 * Defaults are not listed: they are in the plan already. Map keys are left as written; write
 * `$${env:X}` for a literal `${env:X}`.
 *
 * Missing variables (without a default) and malformed references throw a
 * {@link PlanValidationError} that points at each value.
 *
 * @example
 * const source = parseSource('target:\n  headers:\n    authorization: Bearer ${env:TOKEN}\n', 'plan.yaml');
 * const { data, secrets } = resolveEnvRefs(source.data, { TOKEN: 's3cr3t' }, source);
 * // data.target.headers.authorization === 'Bearer s3cr3t'; secrets = ['s3cr3t']
 */
export function resolveEnvRefs(data: unknown, env: EnvMap, source: ParsedSource): { data: unknown; secrets: string[] } {
  const resolved = collectEnvRefs(data, env, source);
  if (resolved.issues.length > 0) throw new PlanValidationError(resolved.issues);
  return { data: resolved.data, secrets: resolved.secrets };
}

/**
 * `redact` replaces every occurrence of each secret in `text` with `***` (a one-off {@link Redactor};
 * build a `Redactor` to redact many texts). Secrets shorter than four characters are ignored (hiding
 * every `1` or `on` would ruin the text and protect nothing); secrets that overlap or contain one
 * another are hidden whole.
 *
 * @example
 * redact('Authorization: Bearer s3cr3t', ['s3cr3t']); // 'Authorization: Bearer ***'
 */
export function redact(text: string, secrets: readonly string[]): string {
  return new Redactor(secrets).text(text);
}
