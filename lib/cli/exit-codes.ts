/** Process exit codes, as documented in the README. */
export const EXIT = {
  /** The run completed and every expectation held. */
  ok: 0,
  /** The run completed but an expectation or threshold failed. */
  expectationsFailed: 1,
  /** The plan or the command line is invalid; nothing was sent. */
  invalidInput: 2,
  /**
   * loadfleet failed in a way it did not expect: a bug, reported as one line and a bug-report hint
   * (EX_SOFTWARE in sysexits.h). LOADFLEET_DEBUG=1 prints the stack.
   */
  internal: 70,
  /** The run was interrupted (SIGINT/SIGTERM) and wrote an `aborted` report. */
  interrupted: 130,
} as const;
