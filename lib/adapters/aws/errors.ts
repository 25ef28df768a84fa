import { LoadfleetError } from '../../core/errors.ts';

/*
 * Errors the AWS adapters raise for what the fleet cannot store or send as it is, or for what it
 * found stored in a shape it does not know. The SDK's own failures (throttling, 5xx, access) pass
 * through unchanged: the SDK has retried them already, and the step fails so that Lambda, SQS or
 * Step Functions retries it. Failures of the store's contract (a run that exists, an unknown unit)
 * are `core/fleet/errors.ts`'s, the same for every adapter.
 */

/** A row read back from the fleet table does not have the shape the store wrote. */
export class CorruptFleetRowError extends LoadfleetError {
  constructor(
    readonly runId: string,
    readonly sortKey: string,
    detail: string,
  ) {
    super('FLEET_ROW_CORRUPT', `corrupt fleet table row (run ${runId}, sort key ${sortKey}): ${detail}`);
  }
}

/** An item over DynamoDB's item size limit: it would be refused, so it is not sent. */
export class ItemTooLargeError extends LoadfleetError {
  constructor(message: string) {
    super('DYNAMO_ITEM_TOO_LARGE', message);
  }
}

/** A unit too large for where it goes: an SQS message, or the JSON a unit row keeps. */
export class UnitTooLargeError extends LoadfleetError {
  constructor(message: string) {
    super('UNIT_TOO_LARGE', message);
  }
}

/** A batch write DynamoDB kept leaving unprocessed after every retry the adapter allows. */
export class WriteIncompleteError extends LoadfleetError {
  constructor(message: string) {
    super('DYNAMO_WRITE_INCOMPLETE', message);
  }
}

/** An AWS answer without what the call asks for (a claim that returned no attempt count). */
export class UnexpectedResponseError extends LoadfleetError {
  constructor(message: string) {
    super('AWS_RESPONSE_UNEXPECTED', message);
  }
}

/** A secret that SSM Parameter Store or Secrets Manager would not give, or gave empty. */
export class SecretUnreadableError extends LoadfleetError {
  constructor(
    readonly secret: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('SECRET_UNREADABLE', message, options);
  }
}
