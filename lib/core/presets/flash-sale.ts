import * as z from 'zod';
import { DurationSchema } from '../duration.ts';
import { ExpectationSchema, type Expectation } from '../plan/expectations.ts';
import { AbortOnErrorRateSchema } from '../plan/abort-rule.ts';
import type { PlanInput } from '../plan/schema.ts';
import { PresetBaseUrl, presetTargetShape } from './common.ts';

/** The most buyers one burst may hold (one connection each; the general plan caps connections at 10 000). */
export const MAX_BUYERS = 10_000;

/**
 * `FlashSaleSchema` accepts the flash-sale stress test's parameters (seed 003: a coupon `FLASH_TEST`
 * with 5 in stock, 50 buyers claiming it at the same instant) plus where the API is and how the burst
 * is cut. `stock` may exceed `buyers` (then every buyer succeeds and the rest stays in stock).
 *
 * @example
 * kind: flash-sale
 * target: { baseUrl: http://127.0.0.1:8080 }
 * coupon: FLASH_TEST
 * stock: 5
 * buyers: 50
 */
export const FlashSaleSchema = z.strictObject({
  kind: z.literal('flash-sale'),
  name: z.string().min(1).default('flash-sale'),
  seed: z.int().default(1),
  target: z.strictObject({ baseUrl: PresetBaseUrl, headers: presetTargetShape(30_000).headers, timeout: presetTargetShape(30_000).timeout }),
  /** The coupon's name: created by the setup, claimed by every buyer, read back by the verify step. */
  coupon: z
    .string()
    .min(1)
    .max(200)
    .refine((name) => !name.includes('{{'), 'coupon name must not contain "{{" (it would be read as a template)')
    .default('FLASH_TEST'),
  /** Units in stock when the sale opens. */
  stock: z.int().min(0).max(2 ** 31 - 1).default(5),
  /** Concurrent claims, one per buyer (`user_0` ... `user_{buyers-1}`), all released at one instant. */
  buyers: z.int().min(1).max(MAX_BUYERS).default(50),
  /** Units the burst is cut into (on AWS: one per Lambda); all wait for the same absolute start. */
  slices: z.int().min(1).max(1000).default(1),
  /** On AWS: one slice per worker the stack allows at once (overrides `slices`). */
  spread: z.boolean().default(false),
  /** Time from planning to the common start, so every slice is ready and waiting. */
  startDelay: DurationSchema.default(500),
  /** Replaces the default expectations (the seed's acceptance criteria) when given. */
  expect: z.array(ExpectationSchema).optional(),
  /** Stop the run when too many attempts fail (`limits.abortOnErrorRate` of the general plan); `false` turns it off. */
  abortOnErrorRate: AbortOnErrorRateSchema,
});
export type FlashSaleConfig = z.output<typeof FlashSaleSchema>;

/**
 * The seed's acceptance criteria as expectations, for `sold = min(stock, buyers)` claims that can
 * succeed. "Exactly `sold` claims answered 200 or 201" has no single status rule (a status rule names
 * one code), so it is said by rules that together leave no other reading:
 *
 * - every buyer sent exactly one claim (`requests = buyers`; retries are off),
 * - exactly `buyers - sold` were answered 400 (out of stock),
 * - the error rate is 0: every response, setup and verify included, had an expected status, so every
 *   claim was 200, 201 or 400; hence 200s + 201s = buyers - (buyers - sold) = sold;
 * - 201s <= sold and 200s <= sold: implied by the above, kept so the summary shows the success count
 *   per code, and an oversell fails with its own figure;
 * - read back: `remaining = stock - sold`, `claimedBy` holds `sold` ids, all distinct.
 */
export function flashSaleExpectations(stock: number, buyers: number): Expectation[] {
  const sold = Math.min(stock, buyers);
  return [
    { endpoint: 'claim', requests: { equals: buyers } },
    { endpoint: 'claim', status: { code: 201, atMost: sold } },
    { endpoint: 'claim', status: { code: 200, atMost: sold } },
    { endpoint: 'claim', status: { code: 400, equals: buyers - sold } },
    { errorRate: { equals: 0 } },
    { verified: 'remaining', equals: stock - sold },
    { verified: 'claimedBy', count: { equals: sold }, distinct: { equals: sold } },
  ];
}

/**
 * Compiles a flash-sale config into the general plan:
 *
 * - setup: `create` (POST /coupons `{ name, amount: stock }`, expect 201; a 409 "exists" fails the run
 *   before any claim, since the outcome counts would be meaningless on a used coupon);
 * - lifecycle: one `claim` (POST /coupons/claim `{ user_id: user_{index}, coupon_name }`), 200, 201 and
 *   400 all expected (out of stock is an outcome, not an error), never retried (a retry would change
 *   the counts the run is about);
 * - load: one burst of `buyers` lifecycles, cut into `slices`, released at one absolute instant;
 * - verify: `read` (GET /coupons/NAME) captures `remaining` ($.remaining_amount) and `claimedBy`
 *   ($.claimed_by), which the expectations check.
 */
export function compileFlashSale(config: FlashSaleConfig): PlanInput {
  const { target, coupon, stock, buyers } = config;
  return {
    kind: 'custom',
    name: config.name,
    seed: config.seed,
    target: {
      baseUrl: target.baseUrl, headers: target.headers, timeout: target.timeout,
      // One socket per buyer, so no claim waits for a connection; no breaker: every claim must be sent.
      maxConnections: buyers, circuitBreaker: false,
    },
    payloads: { count: buyers, key: 'userId', fields: { userId: 'user_{{index}}' } },
    requests: {
      create: { method: 'POST', path: '/coupons', body: { name: coupon, amount: stock }, expect: [201], retry: false },
      claim: {
        method: 'POST', path: '/coupons/claim', body: { user_id: '{{payload.userId}}', coupon_name: coupon },
        expect: [200, 201, 400], retry: false,
      },
      read: {
        method: 'GET', path: `/coupons/${encodeURIComponent(coupon)}`, expect: [200],
        capture: { remaining: '$.remaining_amount', claimedBy: '$.claimed_by' },
      },
    },
    setup: [{ request: 'create' }],
    lifecycle: [{ request: 'claim' }],
    verify: [{ request: 'read' }],
    load: { model: 'burst', count: buyers, slices: config.slices, spread: config.spread, startDelay: config.startDelay },
    // Setup, the claims, and the read back with its retries: a few to spare, never a second burst.
    // The rate cap's bucket holds a tenth of a second of tokens: lift it so every claim of the burst
    // goes out at the start instead of being spaced by the limiter.
    limits: {
      maxRequests: buyers + 16, maxDuration: Math.max(600_000, config.startDelay + 4 * target.timeout), maxConcurrency: buyers,
      maxRps: Math.max(10_000, 10 * buyers), abortOnErrorRate: config.abortOnErrorRate,
    },
    expect: config.expect ?? flashSaleExpectations(stock, buyers),
  };
}
