import { LoadfleetError } from '../../core/errors.ts';

/*
 * Errors of the fleet's steps. The state machine matches some by `name` (the Lambda error type):
 * `InvalidPlan` (caught into PlanRejected) and `DispatchIncomplete` (retried), so those names are
 * part of the deployed definition and must not change; `code` is what logs and tests match.
 */

/** Thrown for a plan the fleet will not run; the state machine catches it by name into `PlanRejected`. */
export class InvalidPlanError extends LoadfleetError {
  override readonly name = 'InvalidPlan';
  constructor(message: string, options?: { cause?: unknown }) {
    super('PLAN_REJECTED', message, options);
  }
}

/** Thrown when some units could not be queued; the state machine retries the step by this name. */
export class DispatchIncompleteError extends LoadfleetError {
  override readonly name = 'DispatchIncomplete';
  constructor(message: string) {
    super('DISPATCH_INCOMPLETE', message);
  }
}

/** Thrown when another live worker holds the unit: the message comes back after the visibility timeout. */
export class UnitBusyError extends LoadfleetError {
  override readonly name = 'UnitBusy';
  constructor(message: string) {
    super('UNIT_BUSY', message);
  }
}

/** A function deployed with settings it cannot use (its environment variables): redeploying the stack mends it. */
export class FleetConfigError extends LoadfleetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('FLEET_CONFIG_INVALID', message, options);
  }
}

/** The state machine handed a step an input that is not the fleet's state. */
export class InvalidFleetStateError extends LoadfleetError {
  constructor(message: string) {
    super('FLEET_STATE_INVALID', message);
  }
}

/** The run's state refers to a secret this function was not deployed with (removed during the run). */
export class SecretMissingError extends LoadfleetError {
  constructor(
    readonly secret: string,
    message: string,
  ) {
    super('SECRET_MISSING', message);
  }
}
