import * as z from 'zod';
import { InvalidFleetStateError } from './errors.ts';

/** The largest state (input or output) a Step Functions state may pass on: 256 KiB. */
export const SFN_MAX_STATE_BYTES = 256 * 1024;

/**
 * `FleetStateSchema`: what the state machine carries between steps. Ids and times only, never data
 * (a Standard state's payload is capped at 256 KiB): everything else lives in the run table.
 */
export const FleetStateSchema = z.looseObject({
  runId: z.string().min(1),
  /** The common start (ISO-8601): the `WaitForStart` state waits for it. */
  startAt: z.string(),
  /** Seconds between progress checks (and sweep retries). */
  pollSeconds: z.int().min(1),
});
export type FleetState = z.output<typeof FleetStateSchema>;

/** The state after a progress check. */
export type ProgressState = FleetState & { finished: boolean; outstanding: number };
/** The state after a sweep attempt. */
export type SweepState = FleetState & { swept: boolean };

/** The most progress checks a run's loop may take, so its history stays far below 25,000 events. */
const MAX_CHECKS = 2000;

/**
 * Seconds between progress checks for a run that may last `maxDurationMs`: at least 5 s, and long
 * enough that the loop (about 6 history events per check) stays within `MAX_CHECKS` checks.
 */
export function pollSecondsFor(maxDurationMs: number): number {
  return Math.min(300, Math.max(5, Math.ceil(maxDurationMs / 1000 / MAX_CHECKS)));
}

/** Parses a step's input, naming the step when the orchestrator handed it something else. */
export function parseState(step: string, input: unknown): FleetState {
  const parsed = FleetStateSchema.safeParse(input);
  if (!parsed.success) throw new InvalidFleetStateError(`${step}: the state machine passed an invalid state: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
