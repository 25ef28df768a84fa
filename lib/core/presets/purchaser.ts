import * as z from 'zod';
import { MAX_CONCURRENCY, MAX_WORKERS, overCeiling } from '../ceilings.ts';
import { LoadDurationSchema } from '../duration.ts';
import { ExpectationSchema, RatioSchema } from '../plan/expectations.ts';
import { AbortOnErrorRateSchema } from '../plan/abort-rule.ts';
import type { PlanInput } from '../plan/schema.ts';
import { DRAIN_MS, NO_RETRY, presetHeader, presetTarget } from './common.ts';

/** `PURCHASER_ITEMS` is the seed's item list, drawn from for each purchase. */
export const PURCHASER_ITEMS = ['health-potion', 'mana-potion', 'sword', 'shield', 'armor', 'boots', 'helmet', 'ring'] as const;

/** The general plan's cap on a rate (`limits.maxRps`); a purchaser may not ask for more. */
const MAX_TOTAL_RATE = 10_000;

/**
 * `PurchaserSchema` accepts the store purchaser's own parameters (seed 000): `totalRate` purchases per
 * second split across `purchasers` (the seed's `DistributePurchasers(totalRate, numGoroutines)`), each
 * starting after a seeded jitter below its interval, for `duration`. Each purchase is
 * `POST /store/purchase { playerId: "player-N", itemId, quantity }` with N in `0..players-1`, an item
 * from `items` and a quantity in `1..maxQuantity`, drawn from the plan seed (replayable).
 *
 * - `target`: `baseUrl` (required), `timeout` (30s), `maxConnections` (100), `headers` ({}).
 * - `purchasers`: the seed's `numGoroutines` (default 3). `totalRate`: purchases per second in total.
 * - `maxInFlight`: purchases awaiting an answer, at most, over the run (default 1000); a start beyond
 *   it is dropped and counted, never delayed.
 * - `rateTolerance`: how far the achieved rate may fall below `totalRate` (default 5%); it sets the
 *   default expectation on dropped starts. `expect` replaces the default expectations.
 *
 * @example
 * PurchaserSchema.parse({ kind: 'purchaser', target: { baseUrl: 'http://127.0.0.1:8080' }, totalRate: 100, duration: '10s' });
 */
export const PurchaserSchema = z.strictObject({
  kind: z.literal('purchaser'),
  name: z.string().min(1).default('purchaser'),
  seed: z.int().default(1),
  target: presetTarget(30_000),
  purchasers: z.int().min(1).max(MAX_WORKERS, { error: overCeiling(String(MAX_WORKERS), 'units one load is cut into') }).default(3),
  totalRate: z.number().positive().max(MAX_TOTAL_RATE, { error: overCeiling(`${MAX_TOTAL_RATE} per second`, "the purchaser's limits.maxRps") }),
  duration: LoadDurationSchema,
  maxInFlight: z.int().min(1).max(MAX_CONCURRENCY, { error: overCeiling(String(MAX_CONCURRENCY), 'lifecycles at once in one run') }).default(1000),
  /** Stagger each purchaser's first purchase by a seeded fraction of its interval (the seed's jitter). */
  startJitter: z.boolean().default(true),
  items: z.array(z.string().min(1)).min(1).default([...PURCHASER_ITEMS]),
  players: z.int().min(1).max(1_000_000_000).default(10_000),
  maxQuantity: z.int().min(1).max(1_000_000).default(5),
  rateTolerance: RatioSchema.default(0.05),
  expect: z.array(ExpectationSchema).optional(),
  /** Stop the run when too many attempts fail (`limits.abortOnErrorRate` of the general plan); `false` turns it off. */
  abortOnErrorRate: AbortOnErrorRateSchema,
});
export type PurchaserConfig = z.output<typeof PurchaserSchema>;

/**
 * Compiles a purchaser config into the general plan: one request `purchase` (expects 201, never
 * retried, no circuit breaker: a rate test sends every scheduled purchase once, and an error is
 * counted while the purchaser goes on), a one-step lifecycle, and the open `rate` load model. The
 * default expectation holds the achieved rate within `rateTolerance` of `totalRate`: starts dropped
 * (at the in-flight cap, or by a stop) are at most that share of `totalRate x duration`. Errors never
 * fail the run by default; add `{ errorRate: { below: "1%" } }` to `expect` for that.
 */
export function compilePurchaser(config: PurchaserConfig): PlanInput {
  const expected = (config.totalRate * config.duration) / 1000;
  return {
    ...presetHeader(config, { retry: NO_RETRY }),
    payloads: {
      fields: {
        player: { int: [0, config.players - 1] },
        itemId: { pick: config.items },
        quantity: { int: [1, config.maxQuantity] },
      },
    },
    requests: {
      purchase: {
        method: 'POST', path: '/store/purchase', headers: {}, expect: [201], capture: {}, retry: false,
        // A string that is exactly one expression is replaced by the raw value: quantity goes as a number.
        body: { playerId: 'player-{{payload.player}}', itemId: '{{payload.itemId}}', quantity: '{{payload.quantity}}' },
      },
    },
    setup: [],
    lifecycle: [{ request: 'purchase' }],
    verify: [],
    load: {
      model: 'rate', rate: config.totalRate, workers: config.purchasers, duration: config.duration,
      maxInFlight: config.maxInFlight, startJitter: config.startJitter,
    },
    limits: {
      // Exactly the planned purchases (no retries), plus one per purchaser for the schedule's rounding.
      maxRequests: Math.ceil(expected) + config.purchasers,
      maxDuration: config.duration + DRAIN_MS,
      // Each purchaser holds at least one slot even when maxInFlight < purchasers; never queue behind the guard.
      maxConcurrency: Math.max(config.maxInFlight, config.purchasers),
      maxRps: MAX_TOTAL_RATE,
      abortOnErrorRate: config.abortOnErrorRate,
    },
    expect: config.expect ?? [{ lifecycles: 'dropped', atMost: Math.floor(expected * config.rateTolerance) }],
  };
}
