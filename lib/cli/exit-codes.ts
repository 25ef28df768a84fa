/** Process exit codes, as documented in the README. */
export const EXIT = {
  /** The run completed and every expectation held. */
  ok: 0,
  /** The run completed but an expectation failed, or the abort rule (limits.abortOnErrorRate) stopped it. */
  expectationsFailed: 1,
  /** The plan or the command line is invalid; nothing was sent. */
  invalidInput: 2,
  /** The run was stopped from outside (SIGINT, SIGTERM, SIGHUP, its launching process gone) and wrote an `aborted` report; or a second signal ended it at once. */
  interrupted: 130,
} as const;
