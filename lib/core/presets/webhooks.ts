import * as z from 'zod';
import { DurationSchema, LoadDurationSchema } from '../duration.ts';
import { ExpectationSchema, RatioSchema } from '../plan/expectations.ts';
import { AbortOnErrorRateSchema } from '../plan/abort-rule.ts';
import type { PlanInput, RequestSpec } from '../plan/schema.ts';
import type { Step } from '../plan/steps.ts';
import { DRAIN_MS, presetHeader, presetTargetShape } from './common.ts';

const Fraction = z.number().min(0).max(1);
/** Most virtual users a webhooks run may ask for. */
const MAX_VUS = 10_000;

/** The order webhook endpoint of the seed's ingest service. */
export const ORDERS_PATH = '/webhooks/payments/orders';
/** The chargeback webhook endpoint of the seed's ingest service. */
export const CHARGEBACKS_PATH = '/webhooks/payments/chargebacks';

const TargetObject = z.strictObject({
  // Timeout 5s: the seed's `http.Client{Timeout: 5 * time.Second}`.
  ...presetTargetShape(5000),
  /** Resends of a webhook after a network error, 5xx or 429 (the seed sends each once). A resend keeps its event_id. */
  retries: z.int().min(0).max(20).default(0),
  retryBackoff: DurationSchema.default(100),
});

/**
 * `WebhooksSchema` accepts the webhook load test's own flags (seed 001): `target` (the seed's `-target`
 * URL, as a string or as `{ baseUrl, timeout, ... }`), `vus` (10), `duration` (30s) and `disputeRatio`
 * (0.3), plus optional knobs with defaults:
 *
 * - `stepDelay` (10ms): the wait between two consecutive webhooks of one order or chargeback.
 * - `updatedRatio` (0.5): chance an order goes through `updated` before it ends.
 * - `failedRatio` (0.1): chance an order ends `failed` instead of `success`.
 * - `chargebackUpdatedRatio` (0.5): chance a chargeback gets an `updated` (evidence window) event.
 * - `wonRatio` (0.5): chance a closed chargeback's `meta.resolution` is `won` (else `lost`).
 * - `amount` (99.99), `currency` (USD), `reason` (fraudulent): the constant fields of every webhook.
 * - `maxErrorRate` (1%): the default expectation on errors; `expect` replaces the default expectations.
 *
 * The seed itself always walks created -> updated -> success; `updatedRatio: 1, failedRatio: 0` does that.
 *
 * @example
 * WebhooksSchema.parse({ kind: 'webhooks', target: 'http://127.0.0.1:3001', vus: 10, duration: '30s' });
 */
export const WebhooksSchema = z.strictObject({
  kind: z.literal('webhooks'),
  name: z.string().min(1).default('webhooks'),
  seed: z.int().default(1),
  // The seed's -target flag is a bare URL: accept it as such, or the full object.
  target: z.preprocess((value) => (typeof value === 'string' ? { baseUrl: value } : value), TargetObject),
  vus: z.int().min(1).max(MAX_VUS).default(10),
  duration: LoadDurationSchema.default(30_000),
  disputeRatio: Fraction.default(0.3),
  stepDelay: DurationSchema.default(10),
  updatedRatio: Fraction.default(0.5),
  failedRatio: Fraction.default(0.1),
  chargebackUpdatedRatio: Fraction.default(0.5),
  wonRatio: Fraction.default(0.5),
  amount: z.number().finite().nonnegative().default(99.99),
  currency: z.string().regex(/^[A-Z]{3}$/, 'currency must be a three-letter ISO 4217 code, e.g. USD').default('USD'),
  reason: z.string().min(1).default('fraudulent'),
  maxErrorRate: RatioSchema.default(0.01),
  expect: z.array(ExpectationSchema).optional(),
  /** Stop the run when too many attempts fail (`limits.abortOnErrorRate` of the general plan); `false` turns it off. */
  abortOnErrorRate: AbortOnErrorRateSchema,
});
export type WebhooksConfig = z.output<typeof WebhooksSchema>;

/** Entity states a webhooks lifecycle may end in: the order ended, or its chargeback closed. */
export const WEBHOOK_TERMINAL_STATES = ['success', 'failed', 'won', 'lost'] as const;

/**
 * Compiles a webhooks config into the general plan: eight named requests (one per webhook the seed
 * sends), one lifecycle per order, and `vus` virtual users looping it for `duration`.
 *
 * Each lifecycle's ids are payload fields (`{ uuid: true }`, rebuilt from the seed): the order, its
 * user, its chargeback, and one event id per webhook it may send. An event id is thus unique per
 * webhook yet stable across resends, so a resend of an applied event is a duplicate, not a second
 * transition. The lifecycle sends only valid transitions:
 *
 * created -> (updated, with updatedRatio) -> failed (failedRatio) | success -> with disputeRatio:
 * chargeback opened -> (updated, with chargebackUpdatedRatio) -> closed (won | lost), `stepDelay`
 * between consecutive webhooks.
 *
 * The way out is armed as a cleanup, so a stop (or a failed webhook) still leaves nothing open: after
 * `created`, the cleanup fails the order (valid from created and from updated); once the order ended,
 * the cleanup is disarmed; once a chargeback is opened, closing it *is* the cleanup, so it runs
 * whether the body ends normally or is stopped. Lifecycle states (created, updated, success, failed,
 * disputed, dispute-updated, won, lost) end in success, failed, won or lost.
 */
export function compileWebhooks(config: WebhooksConfig): PlanInput {
  const { target } = config;
  const wait: Step = { wait: config.stepDelay };
  const money = { amount: config.amount, currency: config.currency };
  const order = (status: string, state: string): RequestSpec => ({
    method: 'POST', path: ORDERS_PATH, headers: {}, capture: {}, state,
    body: {
      provider_order_id: '{{payload.orderId}}', status, user_id: '{{payload.userId}}', ...money,
      occurred_at: '{{now}}', event_id: `{{payload.events.order_${status}}}`,
    },
  });
  const chargeback = (status: string, state: string, resolution?: string): RequestSpec => ({
    method: 'POST', path: CHARGEBACKS_PATH, headers: {}, capture: {}, state,
    body: {
      chargeback_id: '{{payload.chargebackId}}', provider_order_id: '{{payload.orderId}}', status, reason: config.reason, ...money,
      occurred_at: '{{now}}', event_id: `{{payload.events.chargeback_${status}}}`,
      ...(resolution === undefined ? {} : { meta: { resolution } }),
    },
  });
  const uuid = { uuid: true as const };
  const disarm: Step = { cleanup: [] };
  const dispute: Step[] = [
    wait,
    { request: 'chargebackOpened' },
    { cleanup: [wait, { choose: { chance: config.wonRatio, then: [{ request: 'chargebackWon' }], else: [{ request: 'chargebackLost' }] } }] },
    { choose: { chance: config.chargebackUpdatedRatio, then: [wait, { request: 'chargebackUpdated' }] } },
  ];
  return {
    // Every webhook is sent (and counted) as the seed does: retried only when `retries` asks for it.
    ...presetHeader(config, { retry: { max: target.retries, backoff: target.retryBackoff, factor: 2, maxBackoff: Math.max(30_000, target.retryBackoff), jitter: 0.5 } }),
    payloads: {
      key: 'orderId',
      fields: {
        orderId: uuid, userId: uuid, chargebackId: uuid,
        events: {
          order_created: uuid, order_updated: uuid, order_success: uuid, order_failed: uuid,
          chargeback_opened: uuid, chargeback_updated: uuid, chargeback_closed: uuid,
        },
      },
    },
    requests: {
      orderCreated: order('created', 'created'),
      orderUpdated: order('updated', 'updated'),
      orderSuccess: order('success', 'success'),
      orderFailed: order('failed', 'failed'),
      chargebackOpened: chargeback('opened', 'disputed'),
      chargebackUpdated: chargeback('updated', 'dispute-updated'),
      chargebackWon: chargeback('closed', 'won', 'won'),
      chargebackLost: chargeback('closed', 'lost', 'lost'),
    },
    lifecycle: [
      { request: 'orderCreated' },
      { cleanup: [{ request: 'orderFailed' }] },
      wait,
      { choose: { chance: config.updatedRatio, then: [{ request: 'orderUpdated' }, wait] } },
      {
        choose: {
          chance: config.failedRatio,
          then: [{ request: 'orderFailed' }, disarm],
          else: [{ request: 'orderSuccess' }, disarm, { choose: { chance: config.disputeRatio, then: dispute } }],
        },
      },
    ],
    load: { model: 'vus', vus: config.vus, duration: config.duration },
    entity: { name: 'order', terminal: [...WEBHOOK_TERMINAL_STATES] },
    limits: {
      maxRequests: 100_000_000,
      maxDuration: config.duration + DRAIN_MS,
      maxConcurrency: Math.max(1000, config.vus),
      maxRps: 10_000,
      abortOnErrorRate: config.abortOnErrorRate,
    },
    expect: config.expect ?? [
      { lifecycles: 'nonTerminal', equals: 0 },
      { errorRate: { below: config.maxErrorRate } },
    ],
  };
}
