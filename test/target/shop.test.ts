import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTarget } from '../../lib/target/index.ts';
import type { RunningTarget } from '../../lib/target/index.ts';
import { call } from './client.ts';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('startTarget: shop API', () => {
  let target: RunningTarget;
  const get = (path: string) => call(target.url, 'GET', path);
  const post = (path: string, body?: unknown) => call(target.url, 'POST', path, body);
  /** A raw fetch, to choose the headers. */
  const send = async (path: string, headers: Record<string, string>): Promise<number> => {
    const res = await fetch(`${target.url}${path}`, { headers });
    await res.text();
    return res.status;
  };

  beforeAll(async () => {
    target = await startTarget();
  });
  beforeEach(async () => {
    await target.reset();
  });
  afterAll(async () => {
    await target.close();
  });

  it('serves the index', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ products: 50, firstProduct: 'p-1' });
    expect(res.body.categories).toContain('books');
  });

  it('serves products p-1 .. p-50 and 404s anything else', async () => {
    expect(await get('/products/p-1')).toMatchObject({ status: 200, body: { id: 'p-1', category: 'electronics' } });
    expect((await get('/products/p-50')).body.id).toBe('p-50');
    for (const id of ['p-0', 'p-51', 'P-1', 'p-01', '1']) expect((await get(`/products/${id}`)).status).toBe(404);
    expect((await get('/products/')).status).toBe(404);
    expect(target.stats().requests['GET /products/:id']).toEqual({ total: 7, byStatus: { '200': 2, '404': 5 } });
  });

  it('searches by name and category, and needs q', async () => {
    const books = await get('/search?q=Books');
    expect(books.body).toMatchObject({ query: 'Books', count: 10 });
    expect(books.body.results.every((p: { category: string }) => p.category === 'books')).toBe(true);
    expect((await get('/search?q=item%2042')).body.results.map((p: { id: string }) => p.id)).toEqual(['p-42']);
    expect((await get('/search?q=zzz')).body).toEqual({ query: 'zzz', count: 0, results: [] });
    expect((await get('/search?q=')).body.count).toBe(50);
    expect(await get('/search')).toMatchObject({ status: 400, body: { parameter: 'q' } });
  });

  it('fills a cart, shows it, checks it out and empties it', async () => {
    const price1 = (await get('/products/p-1')).body.priceCents as number;
    const price2 = (await get('/products/p-2')).body.priceCents as number;
    await post('/cart', { userId: 'u1', productId: 'p-1', quantity: 2 });
    const cart = await post('/cart', { userId: 'u1', productId: 'p-2', quantity: 1 });
    expect(cart.status).toBe(200);
    await post('/cart', { userId: 'u1', productId: 'p-1', quantity: 1 });

    const expectedItems = [
      { productId: 'p-1', quantity: 3, priceCents: price1 },
      { productId: 'p-2', quantity: 1, priceCents: price2 },
    ];
    expect(await get('/cart/u1')).toEqual({ status: 200, body: { userId: 'u1', items: expectedItems, totalCents: 3 * price1 + price2 } });
    expect((await get('/cart/u2')).body).toEqual({ userId: 'u2', items: [], totalCents: 0 });

    expect(await post('/checkout', { userId: 'u1' })).toEqual({
      status: 201,
      body: { orderId: 'chk_000001', userId: 'u1', items: expectedItems, totalCents: 3 * price1 + price2 },
    });
    expect((await get('/cart/u1')).body.items).toEqual([]);
    expect(await post('/checkout', { userId: 'u1' })).toMatchObject({ status: 400, body: { error: 'cart is empty' } });
  });

  it.each([
    [{ userId: 'u1', productId: 'p-1', quantity: 0 }, 'quantity'],
    [{ userId: 'u1', productId: 'p-1', quantity: 100 }, 'quantity'],
    [{ userId: 'u1', productId: 'p-1', quantity: 1.5 }, 'quantity'],
    [{ productId: 'p-1', quantity: 1 }, 'userId'],
    [{ userId: 'u1', quantity: 1 }, 'productId'],
  ])('refuses a bad cart body with 400 naming the field: %j', async (body, field) => {
    expect(await post('/cart', body)).toMatchObject({ status: 400, body: { error: 'invalid body', fields: [field] } });
  });

  it('refuses an unknown product in the cart (404) and a bad checkout body (400)', async () => {
    expect(await post('/cart', { userId: 'u1', productId: 'p-99', quantity: 1 })).toMatchObject({ status: 404, body: { error: 'product not found' } });
    expect(await post('/checkout', {})).toMatchObject({ status: 400, body: { fields: ['userId'] } });
    expect((await get('/cart/u1')).body.items).toEqual([]);
  });

  it('counts requests per route, whatever their status, malformed JSON included', async () => {
    await get('/');
    await get('/products/p-3');
    await get('/products/nope');
    await get('/search?q=toys');
    await post('/cart', { userId: 'u1', productId: 'p-3', quantity: 1 });
    await post('/cart', '{"userId":');
    await get('/cart/u1');
    await post('/checkout', { userId: 'u1' });
    await post('/checkout', { userId: 'u1' });
    expect(target.stats().shop).toEqual({
      byRoute: { index: 1, browse: 2, search: 1, cart: 2, viewCart: 1, checkout: 2 },
      traced: 0,
      synthetic: 0,
    });
  });

  it('counts traced (traceparent) and synthetic (baggage synthetic_request=true) requests', async () => {
    await send('/', { traceparent: TRACEPARENT });
    await send('/', { traceparent: TRACEPARENT, baggage: 'synthetic_request=true' });
    await send('/products/p-1', { baggage: 'userId=alice, synthetic_request = true ;prop=1,x=y' });
    await send('/search?q=a', { baggage: 'synthetic_request=false' });
    await send('/search?q=a', { baggage: 'not_synthetic_request=true,synthetic_request' });
    await send('/cart/u1', { baggage: 'synthetic_request=%74rue' }); // percent-encoded "true"
    await send('/', { traceparent: '' });
    expect(target.stats().shop).toEqual({
      byRoute: { index: 3, browse: 1, search: 2, cart: 0, viewCart: 1, checkout: 0 },
      traced: 2,
      synthetic: 3,
    });
  });

  it('does not count requests outside the shop as traced or synthetic', async () => {
    await send('/_slow?ms=0', { traceparent: TRACEPARENT, baggage: 'synthetic_request=true' });
    expect(target.stats().shop).toMatchObject({ traced: 0, synthetic: 0 });
  });

  it('keys stats and fault rules by the declared pattern, e.g. GET /products/:id', async () => {
    target.faults.set({ endpoints: { 'GET /products/:id': { errorRate: 1 } } });
    try {
      expect((await get('/products/p-1')).status).toBe(503);
      expect((await get('/products/p-2')).status).toBe(503);
      expect((await get('/cart/u1')).status).toBe(200);
    } finally {
      target.faults.clear();
    }
    expect(target.stats().faultsInjected).toEqual({ 'GET /products/:id': 2 });
    // An injected fault never reaches the shop, so the shop did not count it.
    expect(target.stats().shop.byRoute.browse).toBe(0);
  });

  it('answers 405 with Allow on a shop path with the wrong method', async () => {
    const res = await fetch(`${target.url}/cart`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    await res.text();
  });
});
