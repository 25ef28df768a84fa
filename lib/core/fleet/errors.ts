import { LoadfleetError } from '../errors.ts';

/*
 * Errors of the fleet's run state, thrown alike by every `FleetStore` adapter (memory, DynamoDB) and
 * by the fleet's steps: part of the port's contract, so callers and tests match the class or `code`.
 */

/** `RunExistsError`: `createRun` for a run id the store already holds (a plan step run twice). */
export class RunExistsError extends LoadfleetError {
  constructor(
    readonly runId: string,
    options?: { cause?: unknown },
  ) {
    super('RUN_EXISTS', `run ${runId} already exists`, options);
  }
}

/** `RunNotFoundError`: a step of the fleet for a run the store does not hold. */
export class RunNotFoundError extends LoadfleetError {
  /** @param message says which step looked for the run. */
  constructor(
    readonly runId: string,
    message: string,
  ) {
    super('RUN_NOT_FOUND', message);
  }
}

/** `UnitNotFoundError`: a unit the run does not have (claimed, marked sent or completed by id). */
export class UnitNotFoundError extends LoadfleetError {
  constructor(
    readonly runId: string,
    readonly unitId: string,
  ) {
    super('UNIT_NOT_FOUND', `unit ${unitId} of run ${runId} is not known`);
  }
}

/** `InvalidUnitsError`: units written under a run that is not theirs, or one unit named twice in one write. */
export class InvalidUnitsError extends LoadfleetError {
  constructor(message: string) {
    super('UNITS_INVALID', message);
  }
}

/** `InvalidJournalEntryError`: a journal entry whose `seq` or `index` the store cannot keep. */
export class InvalidJournalEntryError extends LoadfleetError {
  constructor(message: string) {
    super('JOURNAL_ENTRY_INVALID', message);
  }
}
