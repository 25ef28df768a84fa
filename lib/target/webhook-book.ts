/**
 * The payment-webhooks domain of the demo target (the webhooks workload): the order and chargeback
 * state machines, event de-duplication and the counters, with no HTTP in it.
 */

/** `PAYMENT_ORDER_STATUSES` lists every status of a payment order, in lifecycle order. */
export const PAYMENT_ORDER_STATUSES = ['created', 'updated', 'success', 'failed'] as const;

/** `PaymentOrderStatus` is one of `PAYMENT_ORDER_STATUSES`. */
export type PaymentOrderStatus = (typeof PAYMENT_ORDER_STATUSES)[number];

/** `PAYMENT_ORDER_TRANSITIONS` is the seed's `Status.CanBeUpdatedTo`: the statuses each status may move to. */
export const PAYMENT_ORDER_TRANSITIONS: Readonly<Record<PaymentOrderStatus, readonly PaymentOrderStatus[]>> = {
  created: ['updated', 'success', 'failed'],
  updated: ['success', 'failed'],
  success: [],
  failed: [],
};

/** `CHARGEBACK_STATUSES` lists every status of a chargeback, in lifecycle order. */
export const CHARGEBACK_STATUSES = ['opened', 'updated', 'closed'] as const;

/** `ChargebackStatus` is one of `CHARGEBACK_STATUSES`. */
export type ChargebackStatus = (typeof CHARGEBACK_STATUSES)[number];

/** `CHARGEBACK_TRANSITIONS` is the chargeback state machine: the statuses each status may move to. */
export const CHARGEBACK_TRANSITIONS: Readonly<Record<ChargebackStatus, readonly ChargebackStatus[]>> = {
  opened: ['updated', 'closed'],
  updated: ['closed'],
  closed: [],
};

/** `CHARGEBACK_RESOLUTIONS` are the outcomes a closed chargeback carries in `meta.resolution`. */
export const CHARGEBACK_RESOLUTIONS = ['won', 'lost'] as const;

/** `ChargebackResolution` is one of `CHARGEBACK_RESOLUTIONS`. */
export type ChargebackResolution = (typeof CHARGEBACK_RESOLUTIONS)[number];

/** `OrderEvent` is a validated order webhook. */
export interface OrderEvent {
  readonly eventId: string;
  readonly providerOrderId: string;
  readonly status: PaymentOrderStatus;
  readonly userId: string;
}

/** `ChargebackEvent` is a validated chargeback webhook; `resolution` is set exactly when status is closed. */
export interface ChargebackEvent {
  readonly eventId: string;
  readonly chargebackId: string;
  readonly providerOrderId: string;
  readonly status: ChargebackStatus;
  readonly resolution?: ChargebackResolution;
}

/** `EventResult` is the outcome of applying one webhook event. */
export type EventResult<S extends string> =
  | { readonly kind: 'applied'; readonly from: S | null; readonly to: S }
  | { readonly kind: 'duplicate' }
  /** `from` is null when the entity did not exist yet. */
  | { readonly kind: 'invalid'; readonly from: S | null; readonly to: S }
  /** A chargeback for an order that is not (or no longer provably) in `success`. */
  | { readonly kind: 'not-chargeable'; readonly orderStatus: PaymentOrderStatus | null }
  /** A chargeback event naming another order than the one the chargeback was opened on. */
  | { readonly kind: 'order-mismatch'; readonly expected: string };

/** `WebhookStats` is the ground truth about webhooks, as reported by `/_stats`. */
export interface WebhookStats {
  orders: { total: number; byStatus: Record<PaymentOrderStatus, number> };
  chargebacks: {
    total: number;
    byStatus: Record<ChargebackStatus, number>;
    /** Closed chargebacks by resolution. */
    byResolution: Record<ChargebackResolution, number>;
    /** Chargebacks not yet closed: a run whose disputes all finished leaves 0. */
    open: number;
  };
  /** Events that changed state (orders and chargebacks). */
  accepted: number;
  /** Events answered `{ duplicate: true }` because their event_id was already applied. */
  duplicates: number;
  /** Events refused with 409 (a transition the state machine forbids, or a chargeback on a non-success order). */
  invalidTransitions: number;
  /** Events refused with 400 (a bad field or malformed JSON). */
  rejected: number;
}

interface ChargebackRecord {
  readonly providerOrderId: string;
  status: ChargebackStatus;
  resolution?: ChargebackResolution;
}

/**
 * `WebhookBook` applies payment webhooks. An event id is remembered only once its event was applied:
 * a provider retries refused deliveries too, and a retry of a refused event must be judged again
 * (and refused again), not waved through as a duplicate.
 *
 * @example
 * const book = new WebhookBook();
 * book.applyOrder({ eventId: 'e1', providerOrderId: 'o1', status: 'created', userId: 'u1' }); // applied
 * book.applyOrder({ eventId: 'e1', providerOrderId: 'o1', status: 'created', userId: 'u1' }); // duplicate
 */
export class WebhookBook {
  private orders = new Map<string, { status: PaymentOrderStatus }>();
  private chargebacks = new Map<string, ChargebackRecord>();
  private seenEvents = new Set<string>();
  private counters = { accepted: 0, duplicates: 0, invalidTransitions: 0, rejected: 0 };

  /** Applies an order event: the first event of an order must be `created`, later ones follow `PAYMENT_ORDER_TRANSITIONS`. */
  applyOrder(event: OrderEvent): EventResult<PaymentOrderStatus> {
    if (this.isDuplicate(event.eventId)) return { kind: 'duplicate' };
    const order = this.orders.get(event.providerOrderId);
    const from = order?.status ?? null;
    const allowed = from === null ? event.status === 'created' : PAYMENT_ORDER_TRANSITIONS[from].includes(event.status);
    if (!allowed) return this.refuse({ kind: 'invalid', from, to: event.status });
    if (order) order.status = event.status;
    else this.orders.set(event.providerOrderId, { status: event.status });
    this.accept(event.eventId);
    return { kind: 'applied', from, to: event.status };
  }

  /**
   * Applies a chargeback event: only for an order in `success`; the first event of a chargeback must be
   * `opened`, later ones follow `CHARGEBACK_TRANSITIONS`.
   */
  applyChargeback(event: ChargebackEvent): EventResult<ChargebackStatus> {
    if (this.isDuplicate(event.eventId)) return { kind: 'duplicate' };
    const orderStatus = this.orders.get(event.providerOrderId)?.status ?? null;
    if (orderStatus !== 'success') return this.refuse({ kind: 'not-chargeable', orderStatus });
    const chargeback = this.chargebacks.get(event.chargebackId);
    if (chargeback && chargeback.providerOrderId !== event.providerOrderId) {
      return this.refuse({ kind: 'order-mismatch', expected: chargeback.providerOrderId });
    }
    const from = chargeback?.status ?? null;
    const allowed = from === null ? event.status === 'opened' : CHARGEBACK_TRANSITIONS[from].includes(event.status);
    if (!allowed) return this.refuse({ kind: 'invalid', from, to: event.status });
    const record = chargeback ?? { providerOrderId: event.providerOrderId, status: event.status };
    record.status = event.status;
    if (event.status === 'closed') record.resolution = event.resolution;
    this.chargebacks.set(event.chargebackId, record);
    this.accept(event.eventId);
    return { kind: 'applied', from, to: event.status };
  }

  /** Counts an event refused for its body (400). */
  reject(): void {
    this.counters.rejected += 1;
  }

  /** How many events were refused with 409 since the last reset. */
  invalidTransitions(): number {
    return this.counters.invalidTransitions;
  }

  /** Counts orders and chargebacks by their current status, plus the event counters. */
  stats(): WebhookStats {
    const orderCounts = zeroes(PAYMENT_ORDER_STATUSES);
    for (const order of this.orders.values()) orderCounts[order.status] += 1;
    const chargebackCounts = zeroes(CHARGEBACK_STATUSES);
    const byResolution = zeroes(CHARGEBACK_RESOLUTIONS);
    for (const chargeback of this.chargebacks.values()) {
      chargebackCounts[chargeback.status] += 1;
      if (chargeback.resolution) byResolution[chargeback.resolution] += 1;
    }
    return {
      orders: { total: this.orders.size, byStatus: orderCounts },
      chargebacks: {
        total: this.chargebacks.size,
        byStatus: chargebackCounts,
        byResolution,
        open: this.chargebacks.size - chargebackCounts.closed,
      },
      ...this.counters,
    };
  }

  /** Forgets every order, chargeback, event id and counter. */
  reset(): void {
    this.orders = new Map();
    this.chargebacks = new Map();
    this.seenEvents = new Set();
    this.counters = { accepted: 0, duplicates: 0, invalidTransitions: 0, rejected: 0 };
  }

  private isDuplicate(eventId: string): boolean {
    if (!this.seenEvents.has(eventId)) return false;
    this.counters.duplicates += 1;
    return true;
  }

  private accept(eventId: string): void {
    this.seenEvents.add(eventId);
    this.counters.accepted += 1;
  }

  private refuse<R>(result: R): R {
    this.counters.invalidTransitions += 1;
    return result;
  }
}

function zeroes<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}
