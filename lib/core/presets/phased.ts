import * as z from 'zod';
import { CEILINGS_DOC, MAX_ARRIVAL_RATE, MAX_CONCURRENCY, MAX_DURATION_MS, MAX_RPS, MAX_SESSION_TASKS, formatPlanDuration, overCeiling } from '../ceilings.ts';
import { parseDuration } from '../duration.ts';
import { ExpectationSchema, RatioSchema, type Expectation } from '../plan/expectations.ts';
import { AbortOnErrorRateSchema } from '../plan/abort-rule.ts';
import type { AbortOnErrorRate } from '../resilience/error-rate-window.ts';
import type { PlanInput } from '../plan/schema.ts';
import { WeightSchema } from '../plan/numbers.ts';
import { didYouMean } from '../plan/suggest.ts';
import { DRAIN_MS, NO_RETRY, presetHeader, presetTarget } from './common.ts';

/** The preset's tasks: the seed's e-commerce task map, one per flow of the demo shop API. */
export const PHASED_TASKS = ['index', 'browse', 'search', 'cart', 'viewCart', 'checkout'] as const;
/** The seed's `products`: the demo shop's catalogue, `p-1` .. `p-50`. */
export const PHASED_PRODUCTS: readonly string[] = Array.from({ length: 50 }, (_, i) => `p-${i + 1}`);
/** The seed's `categories`: the demo shop's categories, used as search terms. */
export const PHASED_CATEGORIES: readonly string[] = ['electronics', 'books', 'clothing', 'home', 'toys'];

const NUMBER_RE = /^\s*-?\d+(?:\.\d+)?\s*$/;

/** Seconds, as the seed writes them: a number (`300`, `5.0`), or a duration string (`"5s"`, `"250ms"`); yields ms. */
const Seconds = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = typeof value === 'number' || NUMBER_RE.test(value) ? Number(value) * 1000 : parseDuration(value);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
    ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(value)}: give seconds as a number (e.g. 300) or a duration such as "5s", "250ms", "10m"` });
    return z.NEVER;
  }
  if (ms > MAX_DURATION_MS) {
    ctx.addIssue({ code: 'custom', message: `at most ${formatPlanDuration(MAX_DURATION_MS)} (${MAX_DURATION_MS / 1000} seconds), got ${formatPlanDuration(Math.round(ms))} (the longest load: no duration in a plan needs more; ${CEILINGS_DOC})` });
    return z.NEVER;
  }
  return Math.round(ms * 1000) / 1000;
});
const PositiveSeconds = Seconds.refine((ms) => ms > 0, 'must be above 0 (a user must be ON for some time)');
const Cv = z.number().min(0).max(10);

const checkTaskNames = (weights: Record<string, number>, ctx: z.RefinementCtx): void => {
  for (const name of Object.keys(weights)) {
    if ((PHASED_TASKS as readonly string[]).includes(name)) continue;
    const hint = didYouMean(name, PHASED_TASKS);
    ctx.addIssue({ code: 'custom', path: [name], message: `unknown task "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}; known tasks: ${PHASED_TASKS.join(', ')}` });
  }
  const values = Object.values(weights);
  if (values.length > 0 && values.every((w) => w === 0)) ctx.addIssue({ code: 'custom', message: 'at least one task weight must be above 0' });
};

/** Task weights: a map, or the seed's JSON text (`'{"browse": 10, "checkout": 1}'`); empty = every task equally. */
const TaskWeights = z.preprocess((value, ctx) => {
  if (typeof value !== 'string') return value;
  if (value.trim() === '') return {};
  try {
    return JSON.parse(value) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', input: value, message: `invalid JSON ${JSON.stringify(value)}: write the weights as a JSON object, e.g. '{"browse": 10, "checkout": 1}'` });
    return z.NEVER;
  }
}, z.record(z.string(), WeightSchema).superRefine(checkTaskNames));

/** Every parameter of the seed's environment table, by its key in the preset, with its schema. */
const FIELDS = {
  warmupDuration: Seconds,
  users: z.int().min(0).max(MAX_CONCURRENCY, { error: overCeiling(String(MAX_CONCURRENCY), 'users at once in one run') }),
  spawnRate: z.number().positive().max(MAX_RPS, { error: overCeiling(`${MAX_RPS} per second`, 'the ceiling for one run') }),
  taskWeights: TaskWeights,
  arrivalRate: z.number().positive().max(MAX_ARRIVAL_RATE, { error: overCeiling(String(MAX_ARRIVAL_RATE), 'think times divided by more are below a millisecond') }),
  thinkTimeMean: Seconds,
  thinkTimeCv: Cv,
  onDurationMean: PositiveSeconds,
  onDurationCv: Cv,
  offDurationMean: Seconds,
  offDurationCv: Cv,
  lengthMean: z.number().min(1).max(MAX_SESSION_TASKS, { error: overCeiling(String(MAX_SESSION_TASKS), 'tasks in a session') }),
  lengthCv: Cv,
} as const;
type Field = keyof typeof FIELDS;
type Section = 'baseline' | 'intervention' | 'burst' | 'session';

/**
 * `PHASED_ENVIRONMENT` is the seed's environment-variable table: each variable, the preset key it
 * sets (`[key]` or `[section, key]`) and its default in the seed's units (seconds for durations).
 */
export const PHASED_ENVIRONMENT = {
  LOAD_WARMUP_DURATION: { at: ['warmupDuration'], default: 0 },
  LOAD_BASELINE_USERS: { at: ['baseline', 'users'], default: 10 },
  LOAD_BASELINE_SPAWN_RATE: { at: ['baseline', 'spawnRate'], default: 2 },
  LOAD_BASELINE_TASK_WEIGHTS: { at: ['baseline', 'taskWeights'], default: {} },
  LOAD_BASELINE_ARRIVAL_RATE: { at: ['baseline', 'arrivalRate'], default: 1.0 },
  LOAD_BASELINE_THINK_TIME_MEAN: { at: ['baseline', 'thinkTimeMean'], default: 5.0 },
  LOAD_BASELINE_THINK_TIME_CV: { at: ['baseline', 'thinkTimeCv'], default: 0.5 },
  LOAD_INTERVENTION_USERS: { at: ['intervention', 'users'], default: 10 },
  LOAD_INTERVENTION_SPAWN_RATE: { at: ['intervention', 'spawnRate'], default: 2 },
  LOAD_INTERVENTION_TASK_WEIGHTS: { at: ['intervention', 'taskWeights'], default: {} },
  LOAD_INTERVENTION_ARRIVAL_RATE: { at: ['intervention', 'arrivalRate'], default: 1.0 },
  LOAD_INTERVENTION_THINK_TIME_MEAN: { at: ['intervention', 'thinkTimeMean'], default: 5.0 },
  LOAD_INTERVENTION_THINK_TIME_CV: { at: ['intervention', 'thinkTimeCv'], default: 0.5 },
  LOAD_BURST_ON_DURATION_MEAN: { at: ['burst', 'onDurationMean'], default: 30.0 },
  LOAD_BURST_ON_DURATION_CV: { at: ['burst', 'onDurationCv'], default: 0.5 },
  LOAD_BURST_OFF_DURATION_MEAN: { at: ['burst', 'offDurationMean'], default: 60.0 },
  LOAD_BURST_OFF_DURATION_CV: { at: ['burst', 'offDurationCv'], default: 0.5 },
  LOAD_SESSION_LENGTH_MEAN: { at: ['session', 'lengthMean'], default: 20.0 },
  LOAD_SESSION_LENGTH_CV: { at: ['session', 'lengthCv'], default: 0.5 },
} as const satisfies Record<string, { at: readonly [Field] | readonly [Section, Field]; default: unknown }>;
type EnvName = keyof typeof PHASED_ENVIRONMENT;

const entries = Object.entries(PHASED_ENVIRONMENT) as Array<[EnvName, { at: readonly string[]; default: unknown }]>;
const fieldOf = (at: readonly string[]): Field => at[at.length - 1] as Field;
/** Environment values are strings or numbers, as in docker-compose: "10" is read as 10. */
const fromEnv = (schema: z.ZodType): z.ZodType => z.preprocess((v) => (typeof v === 'string' && NUMBER_RE.test(v) ? Number(v) : v), schema);
const EnvironmentSchema = z.preprocess(
  (value, ctx) => {
    if (!Array.isArray(value)) return value;
    // docker-compose's list form: ["LOAD_BASELINE_USERS=10", ...].
    const map: Record<string, string> = {};
    for (const item of value) {
      const eq = typeof item === 'string' ? item.indexOf('=') : -1;
      if (eq <= 0) ctx.addIssue({ code: 'custom', input: item, message: `environment list items are NAME=value, got ${JSON.stringify(item)}` });
      else map[(item as string).slice(0, eq).trim()] = (item as string).slice(eq + 1);
    }
    return map;
  },
  z.strictObject(Object.fromEntries(entries.map(([name, v]) => [name, fromEnv(FIELDS[fieldOf(v.at)]).optional()]))),
);

const phaseParams = z.strictObject({
  users: FIELDS.users.optional(), spawnRate: FIELDS.spawnRate.optional(), taskWeights: FIELDS.taskWeights.optional(),
  arrivalRate: FIELDS.arrivalRate.optional(), thinkTimeMean: FIELDS.thinkTimeMean.optional(), thinkTimeCv: FIELDS.thinkTimeCv.optional(),
});
const burstParams = z.strictObject({
  onDurationMean: FIELDS.onDurationMean.optional(), onDurationCv: Cv.optional(), offDurationMean: FIELDS.offDurationMean.optional(), offDurationCv: Cv.optional(),
});
const sessionParams = z.strictObject({ lengthMean: FIELDS.lengthMean.optional(), lengthCv: Cv.optional() });
const UrlSafe = z.string().regex(/^[\w.~-]+$/, 'use letters, digits, -, _, . and ~ only (the value goes into a URL as is)');

/**
 * `PhasedSchema` accepts the phased load generator's parameters (seed 004): a baseline phase for
 * `warmupDuration`, then an intervention phase until `duration` (the Locust `--run-time`), users who
 * are ON/OFF state machines (gamma ON and OFF periods), gamma think times and session lengths, and
 * weighted tasks per phase. Durations are seconds when written as numbers (`300`), or strings such as
 * `"5s"`. Every variable of the seed's table ({@link PHASED_ENVIRONMENT}) has a key with the same default:
 *
 * - `warmupDuration` (LOAD_WARMUP_DURATION, 0: no baseline phase, the whole run is the intervention);
 * - `baseline` / `intervention`: `users` (10), `spawnRate` (2 /s), `taskWeights` ({} = every task
 *   equally), `arrivalRate` (1.0, divides think times), `thinkTimeMean` (5.0 s), `thinkTimeCv` (0.5);
 * - `burst`: `onDurationMean` (30 s), `onDurationCv` (0.5), `offDurationMean` (60 s), `offDurationCv`
 *   (0.5); `false` for always-ON users;
 * - `session`: `lengthMean` (20 requests), `lengthCv` (0.5); `false` for endless sessions.
 *
 * `environment` takes the seed's variables themselves (a map, or docker-compose's `NAME=value` list;
 * values strings or numbers, weights as JSON text). A parameter set both ways is an error: the plan
 * would otherwise say two things. Tasks are {@link PHASED_TASKS} (`checkout` adds to the cart first, so
 * it succeeds); a weight naming another task is an error at its own key.
 *
 * @example
 * kind: phased
 * target: http://127.0.0.1:8080
 * duration: 10m
 * environment: { LOAD_WARMUP_DURATION: 300, LOAD_BASELINE_TASK_WEIGHTS: '{"browse": 10, "checkout": 1}' }
 */
export const PhasedSchema = z
  .strictObject({
    kind: z.literal('phased'),
    name: z.string().min(1).default('phased'),
    seed: z.int().default(1),
    target: presetTarget(30_000),
    duration: Seconds.refine((ms) => ms > 0, 'must be above 0 (a load of no time starts nothing)'),
    warmupDuration: FIELDS.warmupDuration.optional(),
    baseline: phaseParams.optional(),
    intervention: phaseParams.optional(),
    burst: z.union([burstParams, z.literal(false)]).optional(),
    session: z.union([sessionParams, z.literal(false)]).optional(),
    environment: EnvironmentSchema.optional(),
    products: z.array(UrlSafe).min(1).default([...PHASED_PRODUCTS]),
    categories: z.array(UrlSafe).min(1).default([...PHASED_CATEGORIES]),
    maxQuantity: z.int().min(1).max(99).default(3),
    maxErrorRate: RatioSchema.default(0.01),
    expect: z.array(ExpectationSchema).optional(),
    /** Stop the run when too many attempts fail (`limits.abortOnErrorRate` of the general plan); `false` turns it off. */
    abortOnErrorRate: AbortOnErrorRateSchema,
  })
  .superRefine((raw, ctx) => {
    const config = raw as Record<string, unknown>;
    const env = (config.environment ?? {}) as Record<string, unknown>;
    for (const [name, { at }] of entries) {
      if (env[name] === undefined) continue;
      const [first, second] = at as readonly string[];
      const section = config[first as string];
      const explicit = second === undefined ? section !== undefined : section === false || (isObject(section) && section[second] !== undefined);
      if (!explicit) continue;
      const message = section === false ? `${name} sets ${at.join('.')} but ${first} is false: keep one` : `${name} and ${at.join('.')} both set this parameter: keep one`;
      ctx.addIssue({ code: 'custom', path: ['environment', name], message });
    }
  }, { when: (payload) => isObject(payload.value) })
  .transform((raw, ctx) => {
    const resolved = resolve(raw as unknown as Raw);
    if (resolved.warmupDuration >= resolved.duration) {
      const path = raw.environment?.LOAD_WARMUP_DURATION === undefined ? ['warmupDuration'] : ['environment', 'LOAD_WARMUP_DURATION'];
      ctx.addIssue({ code: 'custom', path, message: `warmupDuration (${resolved.warmupDuration / 1000}s) must be below duration (${resolved.duration / 1000}s): the intervention phase runs for duration - warmupDuration` });
      return z.NEVER;
    }
    return resolved;
  });

/** The parameters of one phase, resolved (durations in ms). */
export interface PhasedPhaseParams {
  users: number; spawnRate: number; taskWeights: Record<string, number>; arrivalRate: number; thinkTimeMean: number; thinkTimeCv: number;
}
/** A phased config with the environment and the defaults folded in (durations in ms). */
export interface PhasedConfig {
  name: string; seed: number; target: { baseUrl: string; timeout: number; maxConnections: number; headers: Record<string, string> };
  duration: number; warmupDuration: number; baseline: PhasedPhaseParams; intervention: PhasedPhaseParams;
  burst: { onDurationMean: number; onDurationCv: number; offDurationMean: number; offDurationCv: number } | false;
  session: { lengthMean: number; lengthCv: number } | false;
  products: string[]; categories: string[]; maxQuantity: number; maxErrorRate: number; expect?: Expectation[] | undefined;
  abortOnErrorRate: AbortOnErrorRate | false;
}
type Raw = Omit<PhasedConfig, 'warmupDuration' | 'baseline' | 'intervention' | 'burst' | 'session'> & Record<string, unknown> & { environment?: Record<string, unknown> };

/** Folds the environment and the seed's defaults under the explicit keys (a key set both ways was refused). */
function resolve(raw: Raw): PhasedConfig {
  const value = (name: EnvName): unknown => {
    const { at, default: fallback } = PHASED_ENVIRONMENT[name] as { at: readonly string[]; default: unknown };
    const section = raw[at[0] as string];
    const explicit = at.length === 1 ? section : isObject(section) ? section[at[1] as string] : undefined;
    const given = explicit ?? raw.environment?.[name];
    // Defaults are in the seed's units: parse them like a value from the file.
    return given !== undefined ? given : FIELDS[fieldOf(at)].parse(fallback);
  };
  const phase = (p: 'BASELINE' | 'INTERVENTION'): PhasedPhaseParams => ({
    users: value(`LOAD_${p}_USERS`) as number, spawnRate: value(`LOAD_${p}_SPAWN_RATE`) as number,
    taskWeights: value(`LOAD_${p}_TASK_WEIGHTS`) as Record<string, number>, arrivalRate: value(`LOAD_${p}_ARRIVAL_RATE`) as number,
    thinkTimeMean: value(`LOAD_${p}_THINK_TIME_MEAN`) as number, thinkTimeCv: value(`LOAD_${p}_THINK_TIME_CV`) as number,
  });
  const { environment: _env, warmupDuration: _w, baseline: _b, intervention: _i, burst: _bu, session: _s, kind: _k, ...rest } = raw;
  return {
    ...rest,
    warmupDuration: value('LOAD_WARMUP_DURATION') as number,
    baseline: phase('BASELINE'),
    intervention: phase('INTERVENTION'),
    burst: raw.burst === false ? false : {
      onDurationMean: value('LOAD_BURST_ON_DURATION_MEAN') as number, onDurationCv: value('LOAD_BURST_ON_DURATION_CV') as number,
      offDurationMean: value('LOAD_BURST_OFF_DURATION_MEAN') as number, offDurationCv: value('LOAD_BURST_OFF_DURATION_CV') as number,
    },
    session: raw.session === false ? false : { lengthMean: value('LOAD_SESSION_LENGTH_MEAN') as number, lengthCv: value('LOAD_SESSION_LENGTH_CV') as number },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Compiles a phased config into the general plan: the demo shop's six requests (named like the shop's
 * routes), one task per flow, and the `phases` load model with a `baseline` phase (only when
 * `warmupDuration` > 0) and an `intervention` phase for the rest of `duration`. Every request carries a
 * W3C `traceparent` and `baggage: synthetic_request=true` (the seed's label for load-test traffic).
 * Each task's payload is a shopper (`shopper-<seq>`, one per task, so a checkout never empties another
 * task's cart), a product, a search term and a quantity, drawn from the seed. Requests are sent once
 * (no retries, no breaker: each is counted as the seed's Locust would). The default expectation
 * holds the error rate below `maxErrorRate` (1%).
 *
 * Empty weights mean every task equally, as in the seed; the seed logs a warning there, but a plan has
 * no warnings channel yet, so this is documented only.
 */
export function compilePhased(config: PhasedConfig): PlanInput {
  const { warmupDuration: warmup } = config;
  const phase = (name: string, duration: number, p: PhasedPhaseParams) => ({
    name, duration, users: p.users, spawnRate: p.spawnRate, weights: p.taskWeights, arrivalRate: p.arrivalRate,
    thinkTime: { mean: p.thinkTimeMean, cv: p.thinkTimeCv },
  });
  const { burst, session } = config;
  const shopper = '{{payload.userId}}';
  return {
    ...presetHeader(config, { retry: NO_RETRY, propagation: { baggage: { synthetic_request: 'true' } } }),
    payloads: {
      key: 'userId',
      fields: { userId: 'shopper-{{seq}}', product: { pick: config.products }, query: { pick: config.categories }, quantity: { int: [1, config.maxQuantity] } },
    },
    requests: {
      index: { method: 'GET', path: '/' },
      browse: { method: 'GET', path: '/products/{{payload.product}}' },
      search: { method: 'GET', path: '/search?q={{payload.query}}' },
      cart: { method: 'POST', path: '/cart', body: { userId: shopper, productId: '{{payload.product}}', quantity: '{{payload.quantity}}' } },
      viewCart: { method: 'GET', path: `/cart/${shopper}` },
      checkout: { method: 'POST', path: '/checkout', body: { userId: shopper }, expect: [201] },
    },
    tasks: {
      index: [{ request: 'index' }],
      browse: [{ request: 'browse' }],
      search: [{ request: 'search' }],
      cart: [{ request: 'cart' }],
      viewCart: [{ request: 'viewCart' }],
      checkout: [{ request: 'cart' }, { request: 'checkout' }],
    },
    load: {
      model: 'phases',
      phases: [...(warmup > 0 ? [phase('baseline', warmup, config.baseline)] : []), phase('intervention', config.duration - warmup, config.intervention)],
      onOff: burst ? { on: { mean: burst.onDurationMean, cv: burst.onDurationCv }, off: { mean: burst.offDurationMean, cv: burst.offDurationCv } } : false,
      session: session ? { mean: session.lengthMean, cv: session.lengthCv } : false,
      workers: 1,
    },
    limits: {
      maxRequests: 100_000_000,
      maxDuration: config.duration + DRAIN_MS,
      maxConcurrency: Math.max(1000, config.baseline.users, config.intervention.users),
      maxRps: 10_000,
      abortOnErrorRate: config.abortOnErrorRate,
    },
    expect: config.expect ?? [{ errorRate: { below: config.maxErrorRate } }],
  };
}
