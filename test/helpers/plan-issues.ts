import { PlanValidationError, type PlanIssue } from '../../lib/core/plan/source.ts';

/** Runs `act`, which must throw a PlanValidationError, and returns its issues. */
export function issuesOf(act: () => unknown): readonly PlanIssue[] {
  try {
    act();
  } catch (error) {
    if (error instanceof PlanValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected a PlanValidationError, but nothing was thrown');
}

/** Issues as `line:col path message`, to assert exactly. */
export const brief = (issues: readonly PlanIssue[]): string[] => issues.map((i) => `${i.line}:${i.col} ${i.path} ${i.message}`);
