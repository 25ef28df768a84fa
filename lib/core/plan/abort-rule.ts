import * as z from 'zod';
import { DurationSchema } from '../duration.ts';
import type { AbortOnErrorRate } from '../resilience/error-rate-window.ts';
import { RatioSchema } from './expectations.ts';

/**
 * The default abort rule: more than half of the attempts of the last 10 s failed, with at least 20
 * attempts in those 10 s. A dead target (refused, unresolvable, every answer a 5xx) trips it within
 * seconds; a target that fails a fifth of its requests under load, which a load test is there to
 * measure, never does.
 */
export const DEFAULT_ABORT_ON_ERROR_RATE: AbortOnErrorRate = { above: 0.5, window: 10_000, minRequests: 20 };

/**
 * `AbortOnErrorRateSchema` (`limits.abortOnErrorRate`, and the presets' top-level `abortOnErrorRate`):
 * stop the run when the failed share of attempts over a sliding window passes a threshold, as k6's
 * `abortOnFail` does, so a dead or collapsing target is not pushed further. `false` turns it off.
 * Its output parses again as its input (a preset passes it on into the general plan as it is).
 * The run then stops as on a first Ctrl+C (nothing new starts, cleanups run), its report is `failed`
 * with a note naming the rule and the most common cause, and the CLI exits 1.
 *
 * @example
 * limits: { abortOnErrorRate: { above: 20%, window: 30s, minRequests: 100 } }
 */
export const AbortOnErrorRateSchema = z
  .union([
    z.literal(false),
    z
      .strictObject({
        /** Failed share of attempts that aborts the run, e.g. "50%" or 0.5 (the share must exceed it). */
        above: RatioSchema.refine((r) => r < 1, 'above must be below 100% (no share of failures is above 100%): use false to turn the rule off')
          .default(DEFAULT_ABORT_ON_ERROR_RATE.above),
        /** The sliding window the share is taken over. */
        window: DurationSchema.refine((ms) => ms >= 1000 && ms <= 3_600_000, 'window must be between 1s and 1h')
          .default(DEFAULT_ABORT_ON_ERROR_RATE.window),
        /** Attempts the share is taken over at least: a window holding fewer reaches back to the last minRequests. */
        minRequests: z.int().min(1).max(10_000).default(DEFAULT_ABORT_ON_ERROR_RATE.minRequests),
      }),
  ])
  .default(DEFAULT_ABORT_ON_ERROR_RATE);
