import type { RunStatus } from '../core/report/model.ts';

/** Process exit codes, as documented in the README. */
export const EXIT = {
  /** The run completed and every expectation held. */
  ok: 0,
  /** The run completed but an expectation failed, or the abort rule (limits.abortOnErrorRate) stopped it. */
  expectationsFailed: 1,
  /** The plan or the command line is invalid; nothing was sent. */
  invalidInput: 2,
  /**
   * loadfleet failed in a way it did not expect: a bug, reported as one line and a bug-report hint
   * (EX_SOFTWARE in sysexits.h). LOADFLEET_DEBUG=1 prints the stack.
   */
  internal: 70,
  /** The run was stopped from outside (SIGINT, SIGTERM, SIGHUP, its launching process gone) and wrote an `aborted` report; or a second signal ended it at once. */
  interrupted: 130,
} as const;

/** The exit code of a finished run, from its report's status: the one rule `run` and `fleet report` share. */
export function exitCodeOf(status: RunStatus): number {
  return status === 'aborted' ? EXIT.interrupted : status === 'failed' ? EXIT.expectationsFailed : EXIT.ok;
}
