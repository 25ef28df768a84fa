import * as z from 'zod';
import { DurationSchema } from '../duration.ts';
import { MAX_POLL_ATTEMPTS, overCeiling } from '../ceilings.ts';
import { ConditionSchema, PathSchema } from './condition.ts';
import { BackoffFactorSchema, WeightSchema } from './numbers.ts';

const Fraction = z.number().min(0).max(1);

/**
 * `WaitSchema`: a fixed duration (`2s`), a duration with relative jitter (`{ duration: 2s, jitter: 0.1 }`
 * draws uniformly in ±10%), or a uniform range (`{ uniform: { min: 1s, max: 3s } }`).
 */
export const WaitSchema = z.union([
  DurationSchema,
  z.strictObject({ duration: DurationSchema, jitter: Fraction.default(0) }),
  z.strictObject({
    uniform: z.strictObject({ min: DurationSchema, max: DurationSchema }).refine((u) => u.min <= u.max, { path: ['min'], message: 'uniform range must be { min, max } with min <= max' }),
  }),
]);
export type Wait = z.output<typeof WaitSchema>;

/** `PollSchema`: repeat a request until a condition on its JSON body holds. */
export const PollSchema = z.strictObject({
  request: z.string().min(1),
  until: ConditionSchema,
  /** First interval between attempts. */
  every: DurationSchema,
  /** Interval multiplier after each attempt (1 = constant; 2 = exponential backoff). */
  backoff: BackoffFactorSchema.default(1),
  /** Cap on the interval when backing off (none: the duration ceiling, 24h). */
  maxEvery: DurationSchema.optional(),
  /** Relative jitter on each interval (0..1), drawn from the lifecycle's seeded RNG. */
  jitter: Fraction.default(0),
  maxAttempts: z.int().min(1).max(MAX_POLL_ATTEMPTS, { error: overCeiling(String(MAX_POLL_ATTEMPTS), 'attempts of one poll') }).default(30),
  /** Deadline for the whole poll, measured from its first attempt. */
  timeout: DurationSchema.optional(),
});
export type Poll = z.output<typeof PollSchema>;

/** A lifecycle step: request, poll, wait, choose or cleanup. */
export const StepSchema = z.union([
  z.strictObject({ request: z.string().min(1) }),
  z.strictObject({ poll: PollSchema }),
  z.strictObject({ wait: WaitSchema }),
  z.strictObject({
    get choose() {
      return ChooseSchema;
    },
  }),
  z.strictObject({
    get cleanup() {
      return StepListSchema;
    },
  }),
]);
export type Step = z.output<typeof StepSchema>;

/** A list of steps, run in order. */
export const StepListSchema: z.ZodArray<typeof StepSchema> = z.array(StepSchema);

/**
 * `ChooseSchema` picks one branch: by the value at a path of the payload or captured vars
 * (`by: payload.type`), by weights (`weights: { a: 3, b: 1 }`), or by chance (`chance: 0.3`).
 * Every draw comes from the lifecycle's seeded RNG, so branch decisions replay.
 */
export const ChooseSchema = z.union([
  z.strictObject({
    by: PathSchema,
    get branches() {
      return z.record(z.string(), StepListSchema);
    },
    get otherwise() {
      return StepListSchema.optional();
    },
  }),
  z.strictObject({
    weights: z.record(z.string(), WeightSchema),
    get branches() {
      return z.record(z.string(), StepListSchema);
    },
  }),
  z.strictObject({
    chance: Fraction,
    get then() {
      return StepListSchema;
    },
    get else() {
      return StepListSchema.optional();
    },
  }),
]);
export type Choose = z.output<typeof ChooseSchema>;
