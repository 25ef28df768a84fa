/**
 * The generic shop API of the demo target (the phased workload). HTTP shapes and the synthetic-traffic
 * tags only; catalogue, carts and counters live in `ShopBook`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import * as z from 'zod';
import { json } from './router.ts';
import type { Reply, Route, RouteRequest } from './router.ts';
import { CATALOGUE, SHOP_CATEGORIES } from './shop-book.ts';
import type { ShopBook, ShopRoute } from './shop-book.ts';
import { invalidBody } from './validation.ts';

/** `MAX_CART_QUANTITY` is the most of one product a single `POST /cart` may add. */
export const MAX_CART_QUANTITY = 99;

const AddToCartSchema = z.looseObject({
  userId: z.string().min(1),
  productId: z.string().min(1),
  quantity: z.number().int().min(1).max(MAX_CART_QUANTITY),
});
const CheckoutSchema = z.looseObject({ userId: z.string().min(1) });

/**
 * `shopRoutes` builds the shop endpoints over `book`:
 *
 * - `GET /` -> 200 the shop's index (categories, product count);
 * - `GET /products/:id` -> 200 the product (`p-1` .. `p-50`); 404 otherwise;
 * - `GET /search?q=` -> 200 `{ query, count, results }`; 400 without `q`;
 * - `POST /cart` (body `{ userId, productId, quantity }`) -> 200 the cart; 404 unknown product;
 * - `GET /cart/:userId` -> 200 the cart (empty for a user who added nothing);
 * - `POST /checkout` (body `{ userId }`) -> 201 `{ orderId, userId, items, totalCents }`; 400 when the cart is empty.
 *
 * Every handled request is counted per route, and as traced / synthetic by its headers.
 */
export function shopRoutes(book: ShopBook): Route[] {
  const route = (method: Route['method'], path: string, name: ShopRoute, handle: (req: RouteRequest) => Reply, body?: 'json'): Route => ({
    method,
    path,
    ...(body ? { body } : {}),
    // Malformed JSON never reaches `handle`; count it here so byRoute covers every request the shop answered.
    ...(body ? { onMalformedBody: (headers: IncomingHttpHeaders) => book.record(name, trafficTags(headers)) } : {}),
    handle: (req) => {
      book.record(name, trafficTags(req.headers));
      return handle(req);
    },
  });

  return [
    route('GET', '/', 'index', () =>
      json(200, { shop: 'loadfleet demo shop', categories: SHOP_CATEGORIES, products: CATALOGUE.length, firstProduct: CATALOGUE[0]?.id }),
    ),
    route('GET', '/products/:id', 'browse', ({ params }) => {
      const product = book.product(params.id ?? '');
      return product ? json(200, product) : json(404, { error: 'product not found', id: params.id });
    }),
    route('GET', '/search', 'search', ({ query }) => {
      const q = query.get('q');
      if (q === null) return json(400, { error: 'missing query parameter', parameter: 'q' });
      const results = book.search(q);
      return json(200, { query: q, count: results.length, results });
    }),
    route(
      'POST',
      '/cart',
      'cart',
      ({ body }) => {
        const parsed = AddToCartSchema.safeParse(body);
        if (!parsed.success) return invalidBody(parsed.error);
        const { userId, productId, quantity } = parsed.data;
        const cart = book.addToCart(userId, productId, quantity);
        return cart ? json(200, cart) : json(404, { error: 'product not found', id: productId });
      },
      'json',
    ),
    route('GET', '/cart/:userId', 'viewCart', ({ params }) => json(200, book.cart(params.userId ?? ''))),
    route(
      'POST',
      '/checkout',
      'checkout',
      ({ body }) => {
        const parsed = CheckoutSchema.safeParse(body);
        if (!parsed.success) return invalidBody(parsed.error);
        const result = book.checkout(parsed.data.userId);
        return result.kind === 'done' ? json(201, result.order) : json(400, { error: 'cart is empty', userId: parsed.data.userId });
      },
      'json',
    ),
  ];
}

/**
 * `trafficTags` reads how a request labels itself: `traced` when it carries a W3C `traceparent`,
 * `synthetic` when its W3C `baggage` has the member `synthetic_request=true` (the phased workload's
 * label, so dashboards can filter load-test traffic out).
 */
export function trafficTags(headers: IncomingHttpHeaders): { traced: boolean; synthetic: boolean } {
  const traceparent = headers.traceparent;
  const traced = Array.isArray(traceparent) ? traceparent.some((v) => v.trim() !== '') : (traceparent ?? '').trim() !== '';
  return { traced, synthetic: baggageSaysSynthetic(headers.baggage) };
}

function baggageSaysSynthetic(baggage: string | string[] | undefined): boolean {
  const raw = Array.isArray(baggage) ? baggage.join(',') : (baggage ?? '');
  // Members are "key=value;property..." separated by commas; values may be percent-encoded.
  return raw.split(',').some((member) => {
    const [pair = ''] = member.split(';');
    const eq = pair.indexOf('=');
    if (eq < 0) return false;
    const key = pair.slice(0, eq).trim();
    let value = pair.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch {
      // keep the raw value: a bad escape is not "true" anyway
    }
    return key === 'synthetic_request' && value === 'true';
  });
}
