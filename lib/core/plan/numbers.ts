import * as z from 'zod';
import { MAX_BACKOFF_FACTOR, MAX_CONCURRENCY, MAX_RPS, MAX_WEIGHT, MAX_WORKERS, overCeiling } from '../ceilings.ts';

/**
 * The number schemas several parts of a plan share, each with its floor and its ceiling (see
 * `ceilings.ts`), so a rate or a weight means the same wherever it is written.
 */

/** A rate in requests (or starts) per second: above 0, at most `MAX_RPS`. */
export const RateSchema = z.number().positive().max(MAX_RPS, { error: overCeiling(`${MAX_RPS} per second`, 'the ceiling for one run') });

/** How many things run at once (users, a burst, lifecycles in flight): 1 to `MAX_CONCURRENCY`. */
export const ConcurrencySchema = z
  .int()
  .min(1)
  .max(MAX_CONCURRENCY, { error: overCeiling(String(MAX_CONCURRENCY), 'lifecycles, users or requests at once in one run') });

/** How many units a load is cut into (`workers`, `slices`): 1 to `MAX_WORKERS`. */
export const WorkersSchema = z
  .int()
  .min(1)
  .max(MAX_WORKERS, { error: overCeiling(String(MAX_WORKERS), 'units one load is cut into, one SQS message and one DynamoDB row each') });

/** A relative weight: 0 to `MAX_WEIGHT`. */
export const WeightSchema = z.number().min(0).max(MAX_WEIGHT, { error: overCeiling(String(MAX_WEIGHT), 'weights only compare with each other') });

/** Growth of a backoff per attempt (retries, polls): 1 to `MAX_BACKOFF_FACTOR`. */
export const BackoffFactorSchema = z
  .number()
  .min(1)
  .max(MAX_BACKOFF_FACTOR, { error: overCeiling(String(MAX_BACKOFF_FACTOR), 'the cap on the delay takes over within a few attempts') });
