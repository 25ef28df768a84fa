/**
 * The store-purchases domain of the demo target (the purchaser workload): the item catalogue and the
 * purchase counters, with no HTTP in it.
 */

/** `PURCHASE_ITEMS` is the store's catalogue, exactly the purchaser's item list. */
export const PURCHASE_ITEMS = ['health-potion', 'mana-potion', 'sword', 'shield', 'armor', 'boots', 'helmet', 'ring'] as const;

/** `PurchaseItem` is one of `PURCHASE_ITEMS`. */
export type PurchaseItem = (typeof PURCHASE_ITEMS)[number];

/** `MAX_PLAYER_NUMBER` is the largest N of a valid `player-N` (the purchaser draws N from 0..9999). */
export const MAX_PLAYER_NUMBER = 9999;

/** `MIN_QUANTITY` is the smallest quantity a purchase may ask for (the purchaser draws 1..5). */
export const MIN_QUANTITY = 1;

/** `MAX_QUANTITY` is the largest quantity a purchase may ask for. */
export const MAX_QUANTITY = 5;

/** `Purchase` is one accepted purchase (times are epoch milliseconds). */
export interface Purchase {
  readonly purchaseId: string;
  readonly playerId: string;
  readonly itemId: PurchaseItem;
  readonly quantity: number;
  readonly purchasedAt: number;
}

/** `PurchaseStats` is the ground truth about purchases, as reported by `/_stats`. */
export interface PurchaseStats {
  /** Purchases accepted (201). */
  total: number;
  /** Accepted purchases per item; every item is present, zero included. */
  byItem: Record<PurchaseItem, number>;
  /** Sum of the quantities of accepted purchases. */
  quantity: number;
  /** Purchases refused with 400 (a bad field or malformed JSON). */
  rejected: number;
}

/**
 * `PurchaseBook` accepts purchases and counts them. It keeps counters, not purchases: a purchaser at
 * thousands of requests per second for an hour would otherwise hold millions of records nobody reads.
 *
 * @example
 * const book = new PurchaseBook(Date.now);
 * book.purchase({ playerId: 'player-7', itemId: 'sword', quantity: 2 }).purchaseId; // 'pur_000001'
 */
export class PurchaseBook {
  private sequence = 0;
  private counts = emptyStats();
  private readonly now: () => number;

  /** `now` is the clock in epoch milliseconds, injected so tests control `purchasedAt`. */
  constructor(now: () => number) {
    this.now = now;
  }

  /** Records a valid purchase and returns it with its id. */
  purchase(request: { readonly playerId: string; readonly itemId: PurchaseItem; readonly quantity: number }): Purchase {
    this.sequence += 1;
    this.counts.total += 1;
    this.counts.byItem[request.itemId] += 1;
    this.counts.quantity += request.quantity;
    return { purchaseId: `pur_${String(this.sequence).padStart(6, '0')}`, ...request, purchasedAt: this.now() };
  }

  /** Counts a purchase refused for its body. */
  reject(): void {
    this.counts.rejected += 1;
  }

  /** A copy of the counters. */
  stats(): PurchaseStats {
    return { ...this.counts, byItem: { ...this.counts.byItem } };
  }

  /** Forgets every counter; ids start again at `pur_000001`. */
  reset(): void {
    this.sequence = 0;
    this.counts = emptyStats();
  }
}

function emptyStats(): PurchaseStats {
  const byItem = Object.fromEntries(PURCHASE_ITEMS.map((item) => [item, 0])) as Record<PurchaseItem, number>;
  return { total: 0, byItem, quantity: 0, rejected: 0 };
}
