import * as z from 'zod';
import { MAX_BATCH_SIZE, MAX_CONNECTIONS, MAX_DURATION_MS, MAX_POLL_ATTEMPTS, MAX_RETRIES, overCeiling } from '../ceilings.ts';
import { DurationSchema, TimeoutSchema, formatDuration } from '../duration.ts';
import { baseUrlSchema } from '../plan/base-url.ts';
import { ExpectationSchema } from '../plan/expectations.ts';
import { AbortOnErrorRateSchema } from '../plan/abort-rule.ts';
import { HeadersSchema } from '../plan/headers.ts';
import { BackoffFactorSchema, RateSchema } from '../plan/numbers.ts';
import type { PlanInput } from '../plan/schema.ts';
import type { Step } from '../plan/steps.ts';

const Jitter = z.number().min(0).max(1);

/** How many checks a cleanup poll makes within `timeout`, one per `checkInterval`. */
function cleanupAttempts(timeout: number, checkInterval: number): number {
  return Math.max(1, Math.ceil(timeout / Math.max(1, checkInterval)));
}

/**
 * `DayInLifeSchema` accepts the day-in-life simulator's own config.yaml shape (seed 002: simulation,
 * payload, intervals, api, cleanup), plus a few optional extras with defaults (jitter, poll backoff,
 * connection and rate caps, headers, expectations).
 */
export const DayInLifeSchema = z
  .strictObject({
    kind: z.literal('day-in-life'),
    name: z.string().min(1).default('day-in-life'),
    seed: z.int().default(1),
    simulation: z.strictObject({
      totalOrders: z.int().min(1).max(1_000_000),
      batchSize: z.int().min(1).max(MAX_BATCH_SIZE, { error: overCeiling(String(MAX_BATCH_SIZE), 'a batch unit lists its payload indices in one SQS message') }),
      parallelBatches: z.int().min(1).max(1000),
      activatedCount: z.int().min(0),
    }),
    payload: z
      .strictObject({
        location: z.string().default('US-EAST-1'),
        pocOrder: z.string().default('POC-2024-001'),
        orderNumberPrefix: z.string().default('ORD-2024-'),
        customFields: z.record(z.string(), z.unknown()).default({}),
      })
      .default({ location: 'US-EAST-1', pocOrder: 'POC-2024-001', orderNumberPrefix: 'ORD-2024-', customFields: {} }),
    intervals: z.strictObject({
      betweenCreates: DurationSchema,
      afterCreateBeforeGet: DurationSchema,
      betweenGetPolls: DurationSchema,
      beforeActivate: DurationSchema,
      beforeCancel: DurationSchema,
      beforeEnd: DurationSchema,
      /** Relative jitter on every interval (default ±10%). */
      jitter: Jitter.default(0.1),
      /** Growth of the wait between GET /details polls (exponential backoff; default 1.5). */
      pollBackoff: BackoffFactorSchema.default(1.5),
      pollMaxAttempts: z.int().min(1).max(MAX_POLL_ATTEMPTS).default(10),
    }),
    api: z.strictObject({
      baseUrl: baseUrlSchema('api.baseUrl'),
      timeout: TimeoutSchema.default(30_000),
      retryMax: z.int().min(0).max(MAX_RETRIES, { error: overCeiling(String(MAX_RETRIES), 'retries of one request') }).default(3),
      retryBackoff: DurationSchema.default(2000),
      maxConnections: z.int().min(1).max(MAX_CONNECTIONS, { error: overCeiling(String(MAX_CONNECTIONS), 'sockets to the target, a file descriptor each') }).default(100),
      /** Requests per second per endpoint (token bucket); absent = unlimited. */
      rateLimit: RateSchema.optional(),
      headers: HeadersSchema.default({}),
    }),
    cleanup: z
      .strictObject({ cancelTimeout: DurationSchema.default(300_000), endTimeout: DurationSchema.default(600_000), checkInterval: DurationSchema.default(10_000) })
      // Each cleanup is a poll of one check per checkInterval within its timeout; the general plan allows MAX_POLL_ATTEMPTS.
      .refine((c) => cleanupAttempts(Math.max(c.cancelTimeout, c.endTimeout), c.checkInterval) <= MAX_POLL_ATTEMPTS, {
        path: ['checkInterval'],
        error: (issue: { input?: unknown }) => {
          const c = issue.input as { cancelTimeout: number; endTimeout: number; checkInterval: number };
          const longest = Math.max(c.cancelTimeout, c.endTimeout);
          return `checkInterval ${formatDuration(c.checkInterval)} makes more than ${MAX_POLL_ATTEMPTS} checks within ${formatDuration(longest)}; use at least ${formatDuration(Math.ceil(longest / MAX_POLL_ATTEMPTS))}`;
        },
      })
      .default({ cancelTimeout: 300_000, endTimeout: 600_000, checkInterval: 10_000 }),
    expect: z.array(ExpectationSchema).optional(),
    /** Stop the run when too many attempts fail (`limits.abortOnErrorRate` of the general plan); `false` turns it off. */
    abortOnErrorRate: AbortOnErrorRateSchema,
  })
  .refine((config) => config.simulation.activatedCount <= config.simulation.totalOrders, {
    path: ['simulation', 'activatedCount'],
    error: (issue: { input?: unknown }) => {
      const sim = (issue.input as DayInLifeInput).simulation;
      return `activatedCount (${sim.activatedCount}) must not exceed totalOrders (${sim.totalOrders})`;
    },
    // Check it even when other keys are invalid, so every problem is reported at once.
    when: (payload) => {
      const sim = (payload.value as Partial<DayInLifeInput> | undefined)?.simulation;
      return typeof sim?.activatedCount === 'number' && typeof sim.totalOrders === 'number';
    },
  });
type DayInLifeInput = { simulation: { activatedCount: number; totalOrders: number } };
export type DayInLifeConfig = z.output<typeof DayInLifeSchema>;

/**
 * Compiles a day-in-life config into the general plan: five named requests and one lifecycle,
 * CREATE -> wait -> poll DETAILS until Accepted -> (activate type) wait -> ACTIVATE, with the way out
 * armed as a cleanup at each point (CANCEL after beforeCancel, replaced by END after beforeEnd once
 * activated). Cleanup requests repeat every `checkInterval` until they succeed, within their timeout.
 */
export function compileDayInLife(config: DayInLifeConfig): PlanInput {
  const { simulation: sim, intervals: iv, api, cleanup } = config;
  const jittered = (ms: number): Step => ({ wait: { duration: ms, jitter: iv.jitter } });
  const settle = (request: string, status: string, timeout: number): Step => ({
    poll: {
      request, until: { path: '$.status', equals: status }, every: cleanup.checkInterval, backoff: 1, jitter: 0,
      maxAttempts: cleanupAttempts(timeout, cleanup.checkInterval), timeout,
    },
  });
  const retry = { max: api.retryMax, backoff: api.retryBackoff, factor: 2, maxBackoff: Math.max(60_000, api.retryBackoff), jitter: 0.5 };
  const orderBody = { orderId: '{{orderId}}' };
  return {
    kind: 'custom',
    name: config.name,
    seed: config.seed,
    target: {
      baseUrl: api.baseUrl, headers: api.headers, timeout: api.timeout, retry, maxConnections: api.maxConnections,
      rateLimit: api.rateLimit, circuitBreaker: { failureThreshold: 20, cooldown: 5000 },
    },
    payloads: {
      count: sim.totalOrders,
      key: 'orderNumber',
      fields: {
        orderNumber: `${config.payload.orderNumberPrefix}{{seq:06}}`,
        location: config.payload.location,
        pocOrder: config.payload.pocOrder,
        type: { exactly: { activate: sim.activatedCount, accepted: sim.totalOrders - sim.activatedCount } },
        customFields: { literal: config.payload.customFields },
      },
    },
    requests: {
      create: {
        method: 'POST', path: '/operation/payload', headers: {}, expect: [202], capture: { orderId: '$.orderId' }, state: 'created',
        body: {
          orderNumber: '{{payload.orderNumber}}', location: '{{payload.location}}', pocOrder: '{{payload.pocOrder}}',
          timestamp: '{{now}}', type: '{{payload.type}}', customFields: '{{payload.customFields}}',
        },
      },
      details: { method: 'GET', path: '/details?orderId={{orderId}}', headers: {}, capture: {}, state: 'accepted' },
      activate: { method: 'POST', path: '/activate', headers: {}, body: orderBody, capture: {}, state: 'activated' },
      cancel: { method: 'POST', path: '/cancel', headers: {}, body: orderBody, capture: {}, state: 'cancelled' },
      end: { method: 'POST', path: '/end', headers: {}, body: orderBody, capture: {}, state: 'ended' },
    },
    lifecycle: [
      { request: 'create' },
      { cleanup: [jittered(iv.beforeCancel), settle('cancel', 'Cancelled', cleanup.cancelTimeout)] },
      jittered(iv.afterCreateBeforeGet),
      {
        poll: {
          request: 'details', until: { path: '$.status', equals: 'Accepted' }, every: iv.betweenGetPolls, backoff: iv.pollBackoff,
          maxEvery: Math.min(MAX_DURATION_MS, iv.betweenGetPolls * 10), jitter: iv.jitter, maxAttempts: iv.pollMaxAttempts,
        },
      },
      {
        choose: {
          by: 'payload.type',
          branches: {
            activate: [jittered(iv.beforeActivate), { request: 'activate' }, { cleanup: [jittered(iv.beforeEnd), settle('end', 'Ended', cleanup.endTimeout)] }],
            accepted: [],
          },
        },
      },
    ],
    load: { model: 'batches', batchSize: sim.batchSize, parallel: sim.parallelBatches, groupBy: 'payload.type', itemInterval: iv.betweenCreates, itemJitter: iv.jitter },
    entity: { name: 'order', terminal: ['cancelled', 'ended'] },
    limits: { maxRequests: 1_000_000, maxDuration: 24 * 3_600_000, maxConcurrency: 1000, maxRps: 10_000, abortOnErrorRate: config.abortOnErrorRate },
    expect: config.expect ?? [
      { lifecycles: 'nonTerminal', equals: 0 },
      { state: 'activated', equals: sim.activatedCount },
      { state: 'ended', equals: sim.activatedCount },
      { state: 'cancelled', equals: sim.totalOrders - sim.activatedCount },
    ],
  };
}
