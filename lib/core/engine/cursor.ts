import * as z from 'zod';

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * `CursorSchema`: a lifecycle's position, small and serialisable, so it can be checkpointed and resumed
 * on another worker. `pc` indexes the compiled program; `rng` is the lifecycle's generator state.
 */
export const CursorSchema = z.strictObject({
  index: z.int().min(0),
  pc: z.int().min(0),
  phase: z.enum(['body', 'cleanup']),
  vars: z.record(z.string(), z.union([Scalar, z.array(z.unknown()), z.record(z.string(), z.unknown())])),
  state: z.string().optional(),
  /** Address of the armed cleanup, if any. */
  armed: z.int().min(0).optional(),
  rng: z.array(z.number()),
  /** Why the body failed, if it did (the cleanup still runs). */
  failure: z.string().optional(),
  /** Poll progress, when parked inside a poll. */
  pollAttempt: z.int().min(0).optional(),
  pollStartedAt: z.number().optional(),
  /** Intended start (open model, burst): the first request's latency is measured from it. */
  startAt: z.number().optional(),
  /** Epoch ms before which the lifecycle must not continue (a parked wait). */
  wakeAt: z.number().optional(),
  /** Journal write counter, maintained by the journal (`LifecycleJournal`); absent when nothing journals. */
  seq: z.int().min(0).optional(),
});
export type Cursor = z.output<typeof CursorSchema>;
