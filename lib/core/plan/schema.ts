import * as z from 'zod';
import {
  MAX_ARRIVAL_RATE, MAX_BATCH_SIZE, MAX_CONCURRENCY, MAX_CONNECTIONS, MAX_FAILURE_THRESHOLD, MAX_PARALLEL_BATCHES, MAX_REQUESTS, MAX_RETRIES,
  MAX_SESSION_TASKS, overCeiling,
} from '../ceilings.ts';
import { DurationSchema, LoadDurationSchema, RunDurationSchema, TimeoutSchema } from '../duration.ts';
import { baseUrlSchema } from './base-url.ts';
import { PathSchema } from './condition.ts';
import { PayloadsSchema } from './payload-spec.ts';
import { StepListSchema } from './steps.ts';
import { ExpectationSchema } from './expectations.ts';
import { AbortOnErrorRateSchema } from './abort-rule.ts';
import { HeadersSchema } from './headers.ts';
import { PATH_RULE, forbiddenPathChar } from './request-path.ts';
import { BackoffFactorSchema, ConcurrencySchema as Concurrency, RateSchema as Rate, WeightSchema, WorkersSchema as Workers } from './numbers.ts';

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/** Retry policy for network errors, 5xx and 429: exponential backoff with jitter. */
export const RetrySchema = z.strictObject({
  max: z.int().min(0).max(MAX_RETRIES, { error: overCeiling(String(MAX_RETRIES), 'retries of one request') }).default(3),
  backoff: DurationSchema.default(1000),
  factor: BackoffFactorSchema.default(2),
  maxBackoff: DurationSchema.default(30_000),
  jitter: z.number().min(0).max(1).default(0.5),
}).refine((r) => r.backoff <= r.maxBackoff, { path: ['backoff'], message: 'backoff must not exceed maxBackoff (raise maxBackoff or lower backoff)' });
export type RetryPolicy = z.output<typeof RetrySchema>;

/** A circuit breaker per endpoint: opens after N consecutive failures, probes after the cooldown. */
export const CircuitBreakerSchema = z.strictObject({
  failureThreshold: z.int().min(1).max(MAX_FAILURE_THRESHOLD, { error: overCeiling(String(MAX_FAILURE_THRESHOLD), 'use circuitBreaker: false to turn it off') }).default(20),
  cooldown: DurationSchema.default(5000),
});

/** `TargetSchema`: where requests go and how they are sent. */
export const TargetSchema = z.strictObject({
  /** http(s) URL without `{{ }}`, query or fragment; userinfo is sent as Basic auth (see `base-url.ts`). */
  baseUrl: baseUrlSchema('baseUrl'),
  /** Sent with every request; names are HTTP tokens, values hold no CR, LF or NUL (see headers.ts). */
  headers: HeadersSchema.default({}),
  timeout: TimeoutSchema.default(30_000),
  retry: RetrySchema.default(RetrySchema.parse({})),
  maxConnections: z.int().min(1).max(MAX_CONNECTIONS, { error: overCeiling(String(MAX_CONNECTIONS), 'sockets to the target, a file descriptor each') }).default(100),
  /** Requests per second allowed per endpoint (token bucket); absent = unlimited. */
  rateLimit: Rate.optional(),
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
  path: z.string().startsWith('/', 'path must start with "/"').superRefine((path, ctx) => {
    const char = forbiddenPathChar(path);
    if (char !== undefined) ctx.addIssue({ code: 'custom', message: `the path holds ${char}: ${PATH_RULE}` });
  }),
  headers: HeadersSchema.default({}),
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
  timeout: TimeoutSchema.optional(),
  rateLimit: Rate.optional(),
});
export type RequestSpec = z.output<typeof RequestSchema>;

/** `BatchesLoadSchema`: payloads in homogeneous batches; batches in parallel, items sequential. */
export const BatchesLoadSchema = z.strictObject({
  model: z.literal('batches'),
  batchSize: z.int().min(1).max(MAX_BATCH_SIZE, { error: overCeiling(String(MAX_BATCH_SIZE), 'a batch unit lists its payload indices in one SQS message') }),
  parallel: z.int().min(1).max(MAX_PARALLEL_BATCHES, { error: overCeiling(String(MAX_PARALLEL_BATCHES), 'batches running at once') }),
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
  rate: Rate,
  workers: Workers.default(1),
  duration: LoadDurationSchema,
  /** Lifecycles in flight allowed per run (shared out across workers); starts beyond it are dropped. */
  maxInFlight: Concurrency.default(1000),
  /** Stagger each worker's first start by a seeded fraction of its interval (the seed's jitter). */
  startJitter: z.boolean().default(true),
});

/** `VusLoadSchema`: closed model. `vus` virtual users each loop the lifecycle until the duration ends. */
export const VusLoadSchema = z.strictObject({
  model: z.literal('vus'),
  vus: Concurrency,
  duration: LoadDurationSchema,
  /** How many units the users are cut into (one per worker; local runs use 1). */
  workers: Workers.default(1),
});

/**
 * `BurstLoadSchema`: `count` lifecycles released at one instant. Every slice waits for the same absolute
 * start time (as Lambda workers will), and the report gives the measured start skew.
 */
export const BurstLoadSchema = z.strictObject({
  model: z.literal('burst'),
  count: Concurrency,
  /** Units the burst is cut into (on AWS: one per Lambda, from many source IPs). */
  slices: Workers.default(1),
  /** On AWS, one slice per worker the stack allows at once (its maxConcurrency), whatever `slices` says. */
  spread: z.boolean().default(false),
  /** Time from the end of setup to the common start, so every slice is ready and waiting. */
  startDelay: DurationSchema.default(500),
});

/** A gamma-distributed duration (think time, ON and OFF periods): mean and coefficient of variation. */
export const DurationGammaSchema = z.strictObject({ mean: DurationSchema, cv: z.number().min(0).max(10).default(0.5) });
/** A gamma-distributed count (session length in requests). */
export const CountGammaSchema = z.strictObject({
  mean: z.number().min(1).max(MAX_SESSION_TASKS, { error: overCeiling(String(MAX_SESSION_TASKS), 'tasks in a session') }),
  cv: z.number().min(0).max(10).default(0.5),
});

/**
 * `PhaseSchema`: one phase of a `phases` run (e.g. baseline, then intervention): how many users, how
 * fast they are spawned, the task mix, and their pace. `weights` name tasks; empty = every task equally.
 */
export const PhaseSchema = z.strictObject({
  name: z.string().min(1),
  duration: LoadDurationSchema,
  users: z.int().min(0).max(MAX_CONCURRENCY, { error: overCeiling(String(MAX_CONCURRENCY), 'users at once in one run') }).default(10),
  /** Users started per second when a phase adds users. */
  spawnRate: Rate.default(2),
  weights: z.record(z.string(), WeightSchema).default({}),
  /** Per-user intensity: think times are divided by it (2 = twice the requests per user). */
  arrivalRate: z.number().positive().max(MAX_ARRIVAL_RATE, { error: overCeiling(String(MAX_ARRIVAL_RATE), 'think times divided by more are below a millisecond') }).default(1),
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
  workers: Workers.default(1),
});
export type PhasesLoad = z.output<typeof PhasesLoadSchema>;

/** `LoadSchema`: how lifecycles are started. */
export const LoadSchema = z.discriminatedUnion('model', [BatchesLoadSchema, RateLoadSchema, VusLoadSchema, BurstLoadSchema, PhasesLoadSchema]);
export type LoadSpec = z.output<typeof LoadSchema>;

/** Hard caps, checked at validation and enforced again while running. */
export const LimitsSchema = z.strictObject({
  maxRequests: z.int().min(1).max(MAX_REQUESTS, { error: overCeiling(String(MAX_REQUESTS), 'what the ceilings let one run send: 100000/s for 24h') }).default(1_000_000),
  maxDuration: RunDurationSchema.default(3_600_000),
  maxConcurrency: Concurrency.default(1000),
  maxRps: Rate.default(10_000),
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
