import { Redactor } from '../../lib/core/redactor.ts';

/**
 * What this execution environment prints (Powertools Logger lines, EMF documents) is masked with
 * every secret it has read so far: the functions log with a module-scope logger, before and after a
 * run's plan is loaded, so the set grows as secrets are read and is never emptied (a rotated value
 * stays masked too).
 */
let known = new Set<string>();
let current = Redactor.none;

/** Adds secret values to what this environment masks in its output. */
export function rememberSecrets(values: Iterable<string>): void {
  const before = known.size;
  const grown = new Set([...known, ...values]);
  if (grown.size === before) return;
  known = grown;
  current = new Redactor(known);
}

/** Masks every secret this environment has read (for logs and metrics). */
export function outputRedactor(): Redactor {
  return current;
}

/**
 * A JSON replacer (Powertools Logger's `jsonReplacerFn`) that masks every string of a log line,
 * error messages and stacks included (the logger turns an Error into plain fields first).
 */
export function redactLogValue(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? current.text(value) : value;
}
