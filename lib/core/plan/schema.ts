import * as z from 'zod';
import { DurationSchema } from '../duration.ts';
import { PathSchema } from './condition.ts';
import { PayloadsSchema } from './payload-spec.ts';
import { StepListSchema } from './steps.ts';
import { ExpectationSchema } from './expectations.ts';
import { AbortOnErrorRateSchema } from './abort-rule.ts';

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/** Retry policy for network errors, 5xx and 429: exponential backoff with jitter. */
export const RetrySchema = z.strictObject({
  max: z.int().min(0).max(20).default(3),
  backoff: DurationSchema.default(1000),
  factor: z.number().min(1).default(2),
  maxBackoff: DurationSchema.default(30_000),
  jitter: z.number().min(0).max(1).default(0.5),
}).refine((r) => r.backoff <= r.maxBackoff, { path: ['backoff'], message: 'backoff must not exceed maxBackoff (raise maxBackoff or lower backoff)' });
export type RetryPolicy = z.output<typeof RetrySchema>;

/** A circuit breaker per endpoint: opens after N consecutive failures, probes after the cooldown. */
export const CircuitBreakerSchema = z.strictObject({
  failureThreshold: z.int().min(1).default(20),
  cooldown: DurationSchema.default(5000),
});

/** `TargetSchema`: where requests go and how they are sent. */
export const TargetSchema = z.strictObject({
  baseUrl: z.url({ protocol: /^https?$/, error: 'baseUrl must be an http(s) URL, e.g. http://127.0.0.1:8080' }),
  headers: z.record(z.string(), z.string()).default({}),
  timeout: DurationSchema.default(30_000),
  retry: RetrySchema.default(RetrySchema.parse({})),
  maxConnections: z.int().min(1).max(10_000).default(100),
  /** Requests per second allowed per endpoint (token bucket); absent = unlimited. */
  rateLimit: z.number().positive().optional(),
  circuitBreaker: z.union([CircuitBreakerSchema, z.literal(false)]).default(CircuitBreakerSchema.parse({})),
  /**
   * Stamp every request with W3C `traceparent` (one trace per lifecycle) and these `baggage` entries,
   * e.g. `{ synthetic_request: "true" }`, so the target's tracing can tell synthetic traffic apart.
   */
  propagation: z.strictObject({ baggage: z.record(z.string(), z.string()).default({}) }).optional(),
});
export type TargetSpec = z.output<typeof TargetSchema>;

/** `RequestSchema`: one named request, templated. */
export const RequestSchema = z.strictObject({
  method: z.enum(HTTP_METHODS).default('GET'),
  /** Path (and query) appended to target.baseUrl, templated: `/details?orderId={{orderId}}`. */
  path: z.string().startsWith('/', 'path must start with "/"'),
  headers: z.record(z.string(), z.string()).default({}),
  /** A string (sent as is) or a JSON value (sent as application/json); both templated. */
  body: z.unknown().optional(),
  /** Statuses that count as success (default: any 2xx). */
  expect: z.array(z.int().min(100).max(599)).min(1).optional(),
  /** Values to keep from the JSON response: `{ orderId: $.orderId }`. */
  capture: z.record(z.string(), PathSchema).default({}),
  /** Entity state reached when this request succeeds (for lifecycle tracking), e.g. `created`. */
  state: z.string().optional(),
  /** Overrides target.retry for this request; `false` disables retries. */
  retry: z.union([RetrySchema, z.literal(false)]).optional(),
  timeout: DurationSchema.optional(),
  rateLimit: z.number().positive().optional(),
});
export type RequestSpec = z.output<typeof RequestSchema>;

/** `BatchesLoadSchema`: payloads in homogeneous batches; batches in parallel, items sequential. */
export const BatchesLoadSchema = z.strictObject({
  model: z.literal('batches'),
  batchSize: z.int().min(1),
  parallel: z.int().min(1).max(1000),
  /** Payload path whose value makes batches homogeneous, e.g. `payload.type`. */
  groupBy: PathSchema.optional(),
  /** Wait between consecutive items of a batch. */
  itemInterval: DurationSchema.default(0),
  itemJitter: z.number().min(0).max(1).default(0),
});

/**
 * `RateLoadSchema`: an open arrival rate. `rate` lifecycles per second in total, split exactly across
 * `workers` (100 over 3 = [34, 33, 33]); each worker starts after a seeded jitter below its interval.
 * A start whose worker already has `maxInFlight` lifecycles running is dropped and counted, never
 * delayed, and latency is measured from each start's intended time.
 */
export const RateLoadSchema = z.strictObject({
  model: z.literal('rate'),
  rate: z.number().positive(),
  workers: z.int().min(1).max(10_000).default(1),
  duration: DurationSchema,
  /** Lifecycles in flight allowed per run (shared out across workers); starts beyond it are dropped. */
  maxInFlight: z.int().min(1).default(1000),
  /** Stagger each worker's first start by a seeded fraction of its interval (the seed's jitter). */
  startJitter: z.boolean().default(true),
});

/** `VusLoadSchema`: closed model. `vus` virtual users each loop the lifecycle until the duration ends. */
export const VusLoadSchema = z.strictObject({
  model: z.literal('vus'),
  vus: z.int().min(1),
  duration: DurationSchema,
  /** How many units the users are cut into (one per worker; local runs use 1). */
  workers: z.int().min(1).default(1),
});

/**
 * `BurstLoadSchema`: `count` lifecycles released at one instant. Every slice waits for the same absolute
 * start time (as Lambda workers will), and the report gives the measured start skew.
 */
export const BurstLoadSchema = z.strictObject({
  model: z.literal('burst'),
  count: z.int().min(1),
  /** Units the burst is cut into (on AWS: one per Lambda, from many source IPs). */
  slices: z.int().min(1).default(1),
  /** On AWS, one slice per worker the stack allows at once (its maxConcurrency), whatever `slices` says. */
  spread: z.boolean().default(false),
  /** Time from the end of setup to the common start, so every slice is ready and waiting. */
  startDelay: DurationSchema.default(500),
});

/** A gamma-distributed duration (think time, ON and OFF periods): mean and coefficient of variation. */
export const DurationGammaSchema = z.strictObject({ mean: DurationSchema, cv: z.number().min(0).max(10).default(0.5) });
/** A gamma-distributed count (session length in requests). */
export const CountGammaSchema = z.strictObject({ mean: z.number().min(1), cv: z.number().min(0).max(10).default(0.5) });

/**
 * `PhaseSchema`: one phase of a `phases` run (e.g. baseline, then intervention): how many users, how
 * fast they are spawned, the task mix, and their pace. `weights` name tasks; empty = every task equally.
 */
export const PhaseSchema = z.strictObject({
  name: z.string().min(1),
  duration: DurationSchema,
  users: z.int().min(0).max(100_000).default(10),
  /** Users started per second when a phase adds users. */
  spawnRate: z.number().positive().default(2),
  weights: z.record(z.string(), z.number().min(0)).default({}),
  /** Per-user intensity: think times are divided by it (2 = twice the requests per user). */
  arrivalRate: z.number().positive().default(1),
  thinkTime: DurationGammaSchema.default({ mean: 5000, cv: 0.5 }),
});

/**
 * `PhasesLoadSchema`: users who walk through phases one after the other, each user an ON/OFF state
 * machine (gamma ON and OFF periods) that runs weighted tasks with gamma think times, resting after a
 * gamma-distributed session length. Every draw comes from the user's seeded generator.
 */
export const PhasesLoadSchema = z.strictObject({
  model: z.literal('phases'),
  phases: z.array(PhaseSchema).min(1),
  // An ON period of 0 would make a user loop without ever sending or sleeping: it must be positive.
  onOff: z.union([z.strictObject({ on: DurationGammaSchema.refine((g) => g.mean >= 1, { path: ['mean'], message: 'the ON period mean must be at least 1ms (use onOff: false for always-on users)' }), off: DurationGammaSchema }), z.literal(false)]).default({ on: { mean: 30_000, cv: 0.5 }, off: { mean: 60_000, cv: 0.5 } }),
  session: z.union([CountGammaSchema, z.literal(false)]).default({ mean: 20, cv: 0.5 }),
  /** Units the users are cut into (one per worker; local runs use 1). */
  workers: z.int().min(1).default(1),
});
export type PhasesLoad = z.output<typeof PhasesLoadSchema>;

/** `LoadSchema`: how lifecycles are started. */
export const LoadSchema = z.discriminatedUnion('model', [BatchesLoadSchema, RateLoadSchema, VusLoadSchema, BurstLoadSchema, PhasesLoadSchema]);
export type LoadSpec = z.output<typeof LoadSchema>;

/** Hard caps, checked at validation and enforced again while running. */
export const LimitsSchema = z.strictObject({
  maxRequests: z.int().min(1).default(1_000_000),
  maxDuration: DurationSchema.default(3_600_000),
  maxConcurrency: z.int().min(1).default(1000),
  maxRps: z.number().positive().default(10_000),
  /** Stop the run when too many attempts fail (see `AbortOnErrorRateSchema`); on by default. */
  abortOnErrorRate: AbortOnErrorRateSchema,
});

/** `EntitySchema` names what lifecycles create on the target and which states end it. */
export const EntitySchema = z.strictObject({
  name: z.string().default('entity'),
  terminal: z.array(z.string()).min(1),
});

/** `PlanSchema`: the general plan (`kind: custom`). Presets compile into this. */
export const PlanSchema = z.strictObject({
  kind: z.literal('custom'),
  name: z.string().min(1),
  seed: z.int().default(1),
  target: TargetSchema,
  payloads: PayloadsSchema.default({ fields: {} }),
  requests: z.record(z.string().regex(/^[A-Za-z][\w-]*$/, 'request names are letters, digits, - and _'), RequestSchema),
  /** Steps run once before the load (e.g. create the coupon); a failure fails the run before any load. */
  setup: StepListSchema.default([]),
  /** The steps every lifecycle walks (every model but `phases`, which picks among `tasks`). */
  lifecycle: StepListSchema.default([]),
  /** Named lifecycles for the `phases` model, picked by each phase's weights. */
  tasks: z.record(z.string().regex(/^[A-Za-z][\w-]*$/, 'task names are letters, digits, - and _'), StepListSchema.min(1)).default({}),
  /** Steps run once after the load; what they capture can be checked by `expect: [{ verified: ... }]`. */
  verify: StepListSchema.default([]),
  load: LoadSchema,
  entity: EntitySchema.optional(),
  limits: LimitsSchema.default(LimitsSchema.parse({})),
  expect: z.array(ExpectationSchema).default([]),
});
/** `Plan` is the validated, immutable description of a run. */
export type Plan = z.output<typeof PlanSchema>;
/** What a preset compiles to: a general plan before defaults are applied (the loader validates it). */
export type PlanInput = z.input<typeof PlanSchema>;
