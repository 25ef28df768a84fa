import * as z from 'zod';
import { CEILINGS_DOC, MAX_PLAN_BYTES } from '../ceilings.ts';
import { PRESETS } from '../presets/index.ts';
import { Redactor } from '../redactor.ts';
import { checkPlan, planWarnings } from './check.ts';
import { PlanSchema, type Plan } from './schema.ts';
import { redactIssues } from './issues.ts';
import {
  PlanValidationError, collectEnvRefs, formatPath, issuesFromZod, parseSource, planErrorMap, sortIssues, validateSource,
  type EnvResolution, type ParsedSource, type PlanIssue,
} from './source.ts';

export { formatPath };

/** A loaded plan, the values that came from the environment (to redact), and how it was written. */
export interface LoadedPlan {
  readonly plan: Plan;
  readonly kind: string;
  readonly secrets: readonly string[];
  /** Hides `secrets`: every sink a run writes to (terminal, report, events, logs) goes through it. */
  readonly redactor: Redactor;
  /** Not errors, but worth telling the user (printed by validate and run, kept in the report's notes). */
  readonly warnings: readonly string[];
}

const KindSchema = z.object({ kind: z.string({ error: 'every plan starts with "kind": custom, or a preset such as day-in-life' }) });

/**
 * Turns plan text (YAML or JSON) into a validated `Plan`: parse with positions, substitute
 * `${env:NAME}`, validate the preset's own shape (or the general plan), compile the preset, and check
 * cross-references. Every problem is reported at once with file:line:col and the key path, before
 * anything is sent. Throws `PlanValidationError`.
 *
 * Values taken from the environment never appear in what it reports: problems found after the
 * substitution (which quote the values at fault) and warnings are redacted with `redactor`.
 *
 * @example
 * const { plan } = loadPlan(readFileSync('examples/day-in-life.yaml', 'utf8'), 'examples/day-in-life.yaml', process.env);
 */
export function loadPlan(text: string, file: string, env: Readonly<Record<string, string | undefined>>): LoadedPlan {
  // Checked before parsing: a plan the fleet cannot store is refused before any work is spent on it.
  const bytes = utf8Length(text);
  if (bytes > MAX_PLAN_BYTES) {
    const message = `the plan is ${bytes} bytes or more: at most ${MAX_PLAN_BYTES} (120 KiB; the fleet passes it in a Step Functions input of 256 KiB and stores it in one DynamoDB item; ${CEILINGS_DOC})`;
    throw new PlanValidationError([{ file, line: 1, col: 1, path: '', message }]);
  }
  const control = CONTROL_RE.exec(text);
  if (control) {
    const before = text.slice(0, control.index);
    const line = before.split('\n').length;
    const col = control.index - before.lastIndexOf('\n');
    const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw new PlanValidationError([{ file, line, col, path: '', message: `control character ${code} in the plan: write it escaped in a quoted string, e.g. "\\u0001"` }]);
  }
  const source = parseSource(text, file);
  const refs = collectEnvRefs(source.data, env, source);
  const redactor = new Redactor(refs.secrets);
  let loaded: Pick<LoadedPlan, 'plan' | 'kind'>;
  try {
    loaded = validateResolved(source, refs);
  } catch (error) {
    throw error instanceof PlanValidationError ? redactIssues(error, redactor) : error;
  }
  const unmasked = refs.unmasked.map((name) => `\${env:${name}} has fewer than 4 characters, too few to mask: it is shown as is in output`);
  const warnings = [...unmasked, ...planWarnings(loaded.plan).map((w) => redactor.text(w))];
  return { ...loaded, secrets: refs.secrets, redactor, warnings };
}

/** Validates the substituted data: kind, shape, the preset's compilation, cross-references. */
function validateResolved(source: ParsedSource, refs: EnvResolution): Pick<LoadedPlan, 'plan' | 'kind'> {
  // Messages quote offending values (cut past 40 characters) from `source.data`, which holds the
  // plan as written: `${env:NAME}`, never the value. Custom checks quote the value they were given,
  // which `loadPlan` masks afterwards.
  const { kind } = validateSource(source, KindSchema, refs.data);
  const preset = kind === 'custom' ? undefined : PRESETS.get(kind);
  if (kind !== 'custom' && !preset) {
    throw new PlanValidationError([issueAt(source, ['kind'], `unknown kind "${kind}"; use custom or one of: ${[...PRESETS.keys()].join(', ')}`)]);
  }
  // Environment problems and schema problems are reported together, in one list.
  const parsed = (preset?.schema ?? PlanSchema).safeParse(refs.data, { error: planErrorMap });
  if (refs.issues.length > 0 || !parsed.success) {
    const envPaths = new Set(refs.issues.map((issue) => issue.path));
    const schemaIssues = parsed.success ? [] : issuesFromZod(parsed.error, source).filter((issue) => !envPaths.has(issue.path));
    throw new PlanValidationError(sortIssues([...refs.issues, ...schemaIssues]));
  }
  let plan: Plan;
  if (!preset) {
    plan = parsed.data as Plan;
  } else {
    const compiled = PlanSchema.safeParse(preset.compile(parsed.data));
    if (!compiled.success) {
      // The preset accepted the config but its compiled plan breaks a limit of the general plan: still a
      // PlanValidationError (not a raw ZodError), at the top of the file with the compiled key path.
      throw new PlanValidationError(compiled.error.issues.map((i) => issueAt(source, [], `the compiled ${kind} plan is invalid: ${i.message}`, i.path as Array<string | number>)));
    }
    plan = compiled.data;
  }
  const problems = checkPlan(plan);
  if (problems.length > 0) {
    // Cross-reference problems of a preset's compiled plan have no source position of their own;
    // they are reported at the top of the file with the compiled key path.
    throw new PlanValidationError(problems.map((p) => issueAt(source, kind === 'custom' ? p.path : [], p.message, p.path)));
  }
  return { plan, kind };
}

function issueAt(source: ParsedSource, path: ReadonlyArray<string | number>, message: string, shownPath = path): PlanIssue {
  const { line, col } = source.locate(path);
  return { file: source.file, line, col, path: formatPath(shownPath), message };
}

/**
 * Control characters other than tab and line breaks: never meant in a plan, and each would take six
 * bytes once the plan is JSON-escaped for the fleet (see `MAX_PLAN_BYTES`).
 */
const CONTROL_RE = /[\x00-\x08\x0b\x0c\x0e-\x1f]/;

/**
 * The length of `text` in UTF-8 bytes. A text of more UTF-16 units than `MAX_PLAN_BYTES` has at
 * least as many bytes, so it is not encoded at all.
 */
function utf8Length(text: string): number {
  return text.length > MAX_PLAN_BYTES ? text.length : new TextEncoder().encode(text).byteLength;
}
