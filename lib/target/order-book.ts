/**
 * The orders domain of the demo target: the order state machine and its store, with no HTTP in it.
 */

/** `ORDER_STATES` lists every state an order can be in, in lifecycle order. */
export const ORDER_STATES = ['Pending', 'Accepted', 'Activated', 'Cancelled', 'Ended'] as const;

/** `OrderState` is one of `ORDER_STATES`. */
export type OrderState = (typeof ORDER_STATES)[number];

/** `TERMINAL_ORDER_STATES` are the states an order never leaves. */
export const TERMINAL_ORDER_STATES: ReadonlySet<OrderState> = new Set<OrderState>(['Cancelled', 'Ended']);

/** `OrderAction` is a transition a client can ask for. */
export type OrderAction = 'activate' | 'cancel' | 'end';

/** `ORDER_TRANSITIONS` is the state machine: for each action, the state it leads to and the states it may start from. */
export const ORDER_TRANSITIONS: Readonly<Record<OrderAction, { to: OrderState; from: readonly OrderState[] }>> = {
  activate: { to: 'Activated', from: ['Accepted'] },
  cancel: { to: 'Cancelled', from: ['Pending', 'Accepted'] },
  end: { to: 'Ended', from: ['Activated'] },
};

/** `Order` is a stored order as clients see it (times are epoch milliseconds). */
export interface Order {
  readonly orderId: string;
  readonly orderNumber: string;
  readonly status: OrderState;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** The body the order was created with. */
  readonly payload: Readonly<Record<string, unknown>>;
}

/** `OrderStats` is the ground truth about orders, as reported by `/_stats`. */
export interface OrderStats {
  total: number;
  byState: Record<OrderState, number>;
  /** Orders not yet Cancelled or Ended: a run that cleaned up after itself leaves 0. */
  nonTerminal: number;
}

/** `CreateResult` is the outcome of `OrderBook.create`. */
export type CreateResult =
  | { readonly kind: 'created'; readonly order: Order }
  | { readonly kind: 'duplicate'; readonly existingOrderId: string };

/** `TransitionResult` is the outcome of `OrderBook.transition`. */
export type TransitionResult =
  | { readonly kind: 'done'; readonly order: Order }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'invalid'; readonly from: OrderState; readonly to: OrderState };

/** `OrderBookOptions` configures an `OrderBook`. */
export interface OrderBookOptions {
  /** Time after creation at which a Pending order becomes Accepted. */
  readonly acceptDelayMs: number;
  /** Clock in epoch milliseconds; injected so tests need no sleeping. */
  readonly now: () => number;
}

interface OrderRecord {
  readonly orderId: string;
  readonly orderNumber: string;
  readonly createdAt: number;
  readonly payload: Readonly<Record<string, unknown>>;
  /** The last state a client caused; 'Pending' may already read as 'Accepted' (see `statusOf`). */
  state: OrderState;
  updatedAt: number;
}

/**
 * `OrderBook` stores orders and applies transitions. Acceptance is computed lazily on read: a Pending
 * order whose `acceptDelayMs` has passed *is* Accepted, with no timer behind it, so there is nothing to
 * cancel on close and an injected clock controls it completely.
 *
 * @example
 * const book = new OrderBook({ acceptDelayMs: 200, now: Date.now });
 * const created = book.create({ orderNumber: 'ORD-1' });
 */
export class OrderBook {
  private orders = new Map<string, OrderRecord>();
  private idsByNumber = new Map<string, string>();
  private sequence = 0;
  private invalid = 0;

  private readonly options: OrderBookOptions;

  constructor(options: OrderBookOptions) {
    this.options = options;
  }

  /** Creates a Pending order, unless `orderNumber` was used before. */
  create(payload: Readonly<Record<string, unknown>> & { readonly orderNumber: string }): CreateResult {
    const existingOrderId = this.idsByNumber.get(payload.orderNumber);
    if (existingOrderId !== undefined) return { kind: 'duplicate', existingOrderId };
    this.sequence += 1;
    const now = this.options.now();
    const record: OrderRecord = {
      orderId: `ord_${String(this.sequence).padStart(6, '0')}`,
      orderNumber: payload.orderNumber,
      createdAt: now,
      payload,
      state: 'Pending',
      updatedAt: now,
    };
    this.orders.set(record.orderId, record);
    this.idsByNumber.set(record.orderNumber, record.orderId);
    // Created orders start Pending, even with acceptDelayMs 0 (when the next read already says Accepted).
    return { kind: 'created', order: { ...this.view(record, now), status: 'Pending', updatedAt: now } };
  }

  /** The order with `orderId`, as of now. */
  get(orderId: string): Order | undefined {
    const record = this.orders.get(orderId);
    return record && this.view(record, this.options.now());
  }

  /** Applies `action` to an order; an invalid transition changes nothing but is counted. */
  transition(orderId: string, action: OrderAction): TransitionResult {
    const record = this.orders.get(orderId);
    if (!record) return { kind: 'not-found' };
    const now = this.options.now();
    const from = this.statusOf(record, now);
    const { to, from: allowed } = ORDER_TRANSITIONS[action];
    if (!allowed.includes(from)) {
      this.invalid += 1;
      return { kind: 'invalid', from, to };
    }
    record.state = to;
    record.updatedAt = now;
    return { kind: 'done', order: this.view(record, now) };
  }

  /** How many transitions were refused since the last reset. */
  invalidTransitions(): number {
    return this.invalid;
  }

  /** Counts orders by their current state. */
  stats(): OrderStats {
    const now = this.options.now();
    const byState = Object.fromEntries(ORDER_STATES.map((s) => [s, 0])) as Record<OrderState, number>;
    for (const record of this.orders.values()) byState[this.statusOf(record, now)] += 1;
    const nonTerminal = ORDER_STATES.filter((s) => !TERMINAL_ORDER_STATES.has(s)).reduce((n, s) => n + byState[s], 0);
    return { total: this.orders.size, byState, nonTerminal };
  }

  /** Forgets every order and counter; ids start again at `ord_000001`. */
  reset(): void {
    this.orders = new Map();
    this.idsByNumber = new Map();
    this.sequence = 0;
    this.invalid = 0;
  }

  private statusOf(record: OrderRecord, now: number): OrderState {
    return record.state === 'Pending' && now - record.createdAt >= this.options.acceptDelayMs ? 'Accepted' : record.state;
  }

  private view(record: OrderRecord, now: number): Order {
    const status = this.statusOf(record, now);
    // An order that became Accepted by the passage of time was last updated when its delay ran out.
    const updatedAt = status === 'Accepted' && record.state === 'Pending' ? record.createdAt + this.options.acceptDelayMs : record.updatedAt;
    return { orderId: record.orderId, orderNumber: record.orderNumber, status, createdAt: record.createdAt, updatedAt, payload: record.payload };
  }
}
