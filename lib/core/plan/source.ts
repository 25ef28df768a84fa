/**
 * Plan text in, validated value (or every problem, with `file:line:col`) out. Reading the file and
 * the environment is the caller's job; everything here is pure.
 *
 * The pieces live in small files and are re-exported here: `positions.ts` (parsing and
 * path-to-position), `zod-issues.ts` (zod issues to human messages), `env-refs.ts` (`${env:NAME}`
 * and redaction), `issues.ts` (the issue type and error).
 */
import type { z } from 'zod';
import { Redactor } from '../redactor.ts';
import { collectEnvRefs } from './env-refs.ts';
import type { EnvMap } from './env-refs.ts';
import { PlanValidationError, redactIssues } from './issues.ts';
import { parseSource } from './positions.ts';
import type { ParsedSource } from './positions.ts';
import { issuesFromZod, planErrorMap } from './zod-issues.ts';

export { PlanValidationError, formatIssues, formatPath, redactIssues, sortIssues } from './issues.ts';
export type { PlanIssue, SourcePosition } from './issues.ts';
export { parseSource } from './positions.ts';
export type { ParsedSource } from './positions.ts';
export { issuesFromZod, planErrorMap } from './zod-issues.ts';
export { collectEnvRefs, redact, resolveEnvRefs } from './env-refs.ts';
export type { EnvMap, EnvResolution } from './env-refs.ts';

/**
 * `validateSource` checks a parsed plan against a zod schema and returns the parsed value, or
 * throws a {@link PlanValidationError} with every issue, sorted by line. Pass `data` to validate
 * something other than `source.data` with the same shape (e.g. after {@link resolveEnvRefs});
 * positions and quoted values still come from the file.
 *
 * @example
 * const plan = validateSource(parseSource(text, 'plan.yaml'), PlanSchema);
 */
export function validateSource<S extends z.ZodType>(source: ParsedSource, schema: S, data: unknown = source.data): z.output<S> {
  const result = schema.safeParse(data, { error: planErrorMap });
  if (!result.success) throw new PlanValidationError(issuesFromZod(result.error, source));
  return result.data;
}

/**
 * `loadSource` runs the whole edge: parse the text, substitute `${env:NAME}` references, validate.
 * Missing variables and schema issues are reported together in one {@link PlanValidationError}
 * (a schema issue about a value whose reference failed is left out, as it would only repeat it);
 * the values taken from the environment are masked in them. Returns the plan, the parsed source, and
 * the substituted secrets to {@link redact}.
 *
 * @example
 * const { plan, secrets } = loadSource(await readFile(path, 'utf8'), path, PlanSchema, process.env);
 */
export function loadSource<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  env: EnvMap,
): { plan: z.output<S>; source: ParsedSource; secrets: string[] } {
  const source = parseSource(text, file);
  const resolved = collectEnvRefs(source.data, env, source);
  const result = schema.safeParse(resolved.data, { error: planErrorMap });
  if (resolved.issues.length === 0 && result.success) return { plan: result.data, source, secrets: resolved.secrets };
  const redactor = new Redactor(resolved.secrets);
  const envPaths = new Set(resolved.issues.map((issue) => issue.path));
  const schemaIssues = result.success ? [] : issuesFromZod(result.error, source).filter((issue) => !envPaths.has(issue.path));
  throw redactIssues(new PlanValidationError([...resolved.issues, ...schemaIssues]), redactor);
}
