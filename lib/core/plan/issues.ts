import { LoadfleetError } from '../errors.ts';
import type { Redactor } from '../redactor.ts';

/** `SourcePosition` is a 1-based line and column in a plan file. */
export interface SourcePosition {
  readonly line: number;
  readonly col: number;
}

/**
 * `PlanIssue` is one problem found in a plan file: where it is (`file:line:col`), which value it is
 * about (`path`, e.g. `simulation.activatedCount` or `requests.create.expect[0]`; empty for the whole
 * file) and what is wrong, in words a person can act on.
 */
export interface PlanIssue extends SourcePosition {
  readonly file: string;
  readonly path: string;
  readonly message: string;
}

/**
 * `PlanProblem` is a problem the plan checks find in a validated plan: the key path it concerns and
 * what is wrong. The loader turns it into a `PlanIssue` with a position.
 */
export interface PlanProblem {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

const IDENTIFIER_RE = /^[A-Za-z_$][\w$-]*$/;

/**
 * `formatPath` renders a value's path the way it reads in a plan: dotted keys and `[n]` indexes,
 * with unusual keys quoted.
 *
 * @example
 * formatPath(['requests', 'create', 'expect', 0]); // 'requests.create.expect[0]'
 * formatPath(['headers', 'x api key']);            // 'headers["x api key"]'
 */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'symbol') text += `[${String(segment)}]`;
    else if (IDENTIFIER_RE.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** `sortIssues` orders issues by file, line and column; issues at the same place keep their order. */
export function sortIssues(issues: readonly PlanIssue[]): PlanIssue[] {
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) =>
      a.issue.file < b.issue.file ? -1
      : a.issue.file > b.issue.file ? 1
      : a.issue.line - b.issue.line || a.issue.col - b.issue.col || a.index - b.index,
    )
    .map(({ issue }) => issue);
}

/**
 * `formatIssues` renders issues one per line as `file:line:col  path  message` (the path is left
 * out when the issue is about the file as a whole), in the order given.
 *
 * @example
 * formatIssues([{ file: 'plan.yaml', line: 3, col: 14, path: 'load.batchSize', message: 'expected number, got string "ten"' }]);
 * // 'plan.yaml:3:14  load.batchSize  expected number, got string "ten"'
 */
export function formatIssues(issues: readonly PlanIssue[]): string {
  return issues
    .map((issue) => {
      const where = `${issue.file}:${issue.line}:${issue.col}`;
      return issue.path === '' ? `${where}  ${issue.message}` : `${where}  ${issue.path}  ${issue.message}`;
    })
    .join('\n');
}

/**
 * `PlanValidationError` is raised when a plan file cannot be parsed or does not validate. It
 * carries every issue found (not just the first), sorted by position; its message is
 * {@link formatIssues} of them, so printing it is enough for a person to fix the file.
 */
export class PlanValidationError extends LoadfleetError {
  /** Every problem found, sorted by file, line and column. */
  readonly issues: readonly PlanIssue[];
  constructor(issues: readonly PlanIssue[], options?: { cause?: unknown }) {
    const sorted = sortIssues(issues);
    super('PLAN_INVALID', formatIssues(sorted), options);
    this.issues = sorted;
  }
}

/**
 * `redactIssues` returns `error` with every value the redactor hides masked in its issues' messages
 * and paths (the same error when there is nothing to hide). The plan loader applies it to every
 * problem it reports once `${env:NAME}` values are substituted: schema messages quote the offending
 * value, and that value may be one of them.
 */
export function redactIssues(error: PlanValidationError, redactor: Redactor): PlanValidationError {
  if (!redactor.active) return error;
  return new PlanValidationError(
    error.issues.map((issue) => ({ ...issue, path: redactor.text(issue.path), message: redactor.text(issue.message) })),
    { cause: error.cause },
  );
}
