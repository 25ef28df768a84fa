/**
 * The payment-webhooks API of the demo target (the webhooks workload). HTTP shapes only; the state
 * machines and de-duplication live in `WebhookBook`.
 */
import * as z from 'zod';
import { json } from './router.ts';
import type { JsonReply, Route } from './router.ts';
import { invalidBody, invalidField } from './validation.ts';
import { CHARGEBACK_RESOLUTIONS, CHARGEBACK_STATUSES, PAYMENT_ORDER_STATUSES } from './webhook-book.ts';
import type { EventResult, WebhookBook } from './webhook-book.ts';

const id = z.string().min(1);
// Providers send RFC 3339; anything Date.parse reads is accepted, so the target judges state, not style.
const timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date-time, e.g. 2024-01-01T00:00:00Z');
const money = {
  amount: z.number().finite().nonnegative(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code, e.g. USD'),
};

const OrderEventSchema = z.looseObject({
  provider_order_id: id,
  status: z.enum(PAYMENT_ORDER_STATUSES),
  user_id: id,
  ...money,
  occurred_at: timestamp,
  event_id: id,
});

const ChargebackEventSchema = z.looseObject({
  chargeback_id: id,
  provider_order_id: id,
  status: z.enum(CHARGEBACK_STATUSES),
  reason: id,
  ...money,
  occurred_at: timestamp,
  event_id: id,
  meta: z.looseObject({ resolution: z.enum(CHARGEBACK_RESOLUTIONS).optional() }).optional(),
});

/**
 * `webhookRoutes` builds the payment webhook receivers over `book`:
 *
 * - `POST /webhooks/payments/orders` (body `{ provider_order_id, status, user_id, amount, currency,
 *   occurred_at, event_id }`) -> 200 `{ accepted: true, event_id, provider_order_id, from, status }`.
 * - `POST /webhooks/payments/chargebacks` (body `{ chargeback_id, provider_order_id, status, reason,
 *   amount, currency, occurred_at, event_id, meta?: { resolution } }`) -> 200 `{ accepted: true,
 *   event_id, chargeback_id, from, status }`; `meta.resolution` (won | lost) is required when closed.
 *
 * Both: an already-applied event_id -> 200 `{ duplicate: true, event_id }`, nothing changed; a
 * transition the state machine forbids (or a chargeback on an order not in success) -> 409 with
 * `error`, nothing changed; a bad field -> 400 `{ error: "invalid body", fields, issues }`.
 */
export function webhookRoutes(book: WebhookBook): Route[] {
  return [
    {
      method: 'POST',
      path: '/webhooks/payments/orders',
      body: 'json',
      onMalformedBody: () => book.reject(),
      handle: ({ body }) => {
        const parsed = OrderEventSchema.safeParse(body);
        if (!parsed.success) {
          book.reject();
          return invalidBody(parsed.error);
        }
        const event = parsed.data;
        const result = book.applyOrder({
          eventId: event.event_id,
          providerOrderId: event.provider_order_id,
          status: event.status,
          userId: event.user_id,
        });
        return reply(result, event.event_id, { provider_order_id: event.provider_order_id });
      },
    },
    {
      method: 'POST',
      path: '/webhooks/payments/chargebacks',
      body: 'json',
      onMalformedBody: () => book.reject(),
      handle: ({ body }) => {
        const parsed = ChargebackEventSchema.safeParse(body);
        if (!parsed.success) {
          book.reject();
          return invalidBody(parsed.error);
        }
        const event = parsed.data;
        const resolution = event.meta?.resolution;
        if (event.status === 'closed' && resolution === undefined) {
          book.reject();
          return invalidField('meta.resolution', `required when status is closed: one of ${CHARGEBACK_RESOLUTIONS.join(', ')}`);
        }
        const result = book.applyChargeback({
          eventId: event.event_id,
          chargebackId: event.chargeback_id,
          providerOrderId: event.provider_order_id,
          status: event.status,
          // Only a closing event carries a resolution; one sent early is informational and ignored.
          ...(event.status === 'closed' ? { resolution } : {}),
        });
        return reply(result, event.event_id, { chargeback_id: event.chargeback_id, provider_order_id: event.provider_order_id });
      },
    },
  ];
}

function reply<S extends string>(result: EventResult<S>, eventId: string, ids: Record<string, string>): JsonReply {
  switch (result.kind) {
    case 'applied':
      return json(200, { accepted: true, event_id: eventId, ...ids, from: result.from, status: result.to });
    case 'duplicate':
      return json(200, { duplicate: true, event_id: eventId });
    case 'invalid':
      return json(409, { error: 'invalid transition', event_id: eventId, ...ids, from: result.from, to: result.to });
    case 'not-chargeable':
      return json(409, { error: 'order not chargeable: it must be in success', event_id: eventId, ...ids, order_status: result.orderStatus });
    case 'order-mismatch':
      return json(409, { error: 'chargeback belongs to another order', event_id: eventId, ...ids, expected_provider_order_id: result.expected });
  }
}
