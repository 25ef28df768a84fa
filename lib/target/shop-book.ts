/**
 * The generic shop of the demo target (the phased workload): a fixed catalogue, carts and checkouts,
 * and per-route counters, with no HTTP in it.
 */

/** `SHOP_CATEGORIES` are the catalogue's categories; product `p-N` is in category `(N - 1) mod 5`. */
export const SHOP_CATEGORIES = ['electronics', 'books', 'clothing', 'home', 'toys'] as const;

/** `SHOP_PRODUCT_COUNT` is the catalogue size: products `p-1` .. `p-50`. */
export const SHOP_PRODUCT_COUNT = 50;

/** `SHOP_ROUTES` names the shop's routes, as `byRoute` counts them. */
export const SHOP_ROUTES = ['index', 'browse', 'search', 'cart', 'viewCart', 'checkout'] as const;

/** `ShopRoute` is one of `SHOP_ROUTES`. */
export type ShopRoute = (typeof SHOP_ROUTES)[number];

/** `Product` is one catalogue entry; prices are in cents so totals add up exactly. */
export interface Product {
  readonly id: string;
  readonly name: string;
  readonly category: string;
  readonly priceCents: number;
}

/** `CartLine` is one product in a cart. */
export interface CartLine {
  readonly productId: string;
  readonly quantity: number;
  readonly priceCents: number;
}

/** `Cart` is a user's cart. */
export interface Cart {
  readonly userId: string;
  readonly items: readonly CartLine[];
  readonly totalCents: number;
}

/** `ShopStats` is the ground truth about the shop, as reported by `/_stats`. */
export interface ShopStats {
  /** Requests each shop route handled (any status; injected faults never reach the shop). */
  byRoute: Record<ShopRoute, number>;
  /** Shop requests that carried a `traceparent` header. */
  traced: number;
  /** Shop requests whose `baggage` header says `synthetic_request=true`. */
  synthetic: number;
}

/** `CATALOGUE` is the fixed product list, the same on every start so workloads can hard-code ids. */
export const CATALOGUE: readonly Product[] = Array.from({ length: SHOP_PRODUCT_COUNT }, (_, i) => {
  const n = i + 1;
  const category = SHOP_CATEGORIES[i % SHOP_CATEGORIES.length] ?? 'misc';
  // A spread of prices from 5.99 to 98.99 that is stable and needs no randomness.
  return { id: `p-${n}`, name: `${category} item ${n}`, category, priceCents: ((n * 37) % 94) * 100 + 599 };
});

const PRODUCTS = new Map(CATALOGUE.map((p) => [p.id, p]));

/**
 * `ShopBook` holds carts and counts shop traffic.
 *
 * @example
 * const shop = new ShopBook();
 * shop.addToCart('u1', 'p-3', 2);
 * shop.checkout('u1'); // { kind: 'done', order: { orderId: 'chk_000001', ... } }
 */
export class ShopBook {
  private carts = new Map<string, Map<string, number>>();
  private sequence = 0;
  private counters = emptyStats();

  /** Counts one request on `route`; `traced` and `synthetic` come from its headers. */
  record(route: ShopRoute, tags: { readonly traced: boolean; readonly synthetic: boolean }): void {
    this.counters.byRoute[route] += 1;
    if (tags.traced) this.counters.traced += 1;
    if (tags.synthetic) this.counters.synthetic += 1;
  }

  /** The product with `id`, if it is in the catalogue. */
  product(id: string): Product | undefined {
    return PRODUCTS.get(id);
  }

  /** Products whose name or category contains `query` (case-insensitive); an empty query matches all. */
  search(query: string): Product[] {
    const q = query.trim().toLowerCase();
    return CATALOGUE.filter((p) => p.name.toLowerCase().includes(q) || p.category.includes(q));
  }

  /** Adds `quantity` of a product to a cart; `undefined` when the product does not exist. */
  addToCart(userId: string, productId: string, quantity: number): Cart | undefined {
    if (!PRODUCTS.has(productId)) return undefined;
    const cart = this.carts.get(userId) ?? new Map<string, number>();
    cart.set(productId, (cart.get(productId) ?? 0) + quantity);
    this.carts.set(userId, cart);
    return this.cart(userId);
  }

  /** A user's cart; a user who never added anything has an empty one. */
  cart(userId: string): Cart {
    const items: CartLine[] = [];
    for (const [productId, quantity] of this.carts.get(userId) ?? []) {
      items.push({ productId, quantity, priceCents: PRODUCTS.get(productId)?.priceCents ?? 0 });
    }
    return { userId, items, totalCents: items.reduce((sum, l) => sum + l.priceCents * l.quantity, 0) };
  }

  /** Turns a cart into an order and empties it; `'empty'` when there is nothing to check out. */
  checkout(userId: string): { kind: 'done'; order: Cart & { orderId: string } } | { kind: 'empty' } {
    const cart = this.cart(userId);
    if (cart.items.length === 0) return { kind: 'empty' };
    this.carts.delete(userId);
    this.sequence += 1;
    return { kind: 'done', order: { orderId: `chk_${String(this.sequence).padStart(6, '0')}`, ...cart } };
  }

  /** A copy of the counters. */
  stats(): ShopStats {
    return { ...this.counters, byRoute: { ...this.counters.byRoute } };
  }

  /** Forgets every cart and counter; order ids start again at `chk_000001`. */
  reset(): void {
    this.carts = new Map();
    this.sequence = 0;
    this.counters = emptyStats();
  }
}

function emptyStats(): ShopStats {
  const byRoute = Object.fromEntries(SHOP_ROUTES.map((r) => [r, 0])) as Record<ShopRoute, number>;
  return { byRoute, traced: 0, synthetic: 0 };
}
