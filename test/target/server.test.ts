import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GARBAGE_BODY, MAX_BODY_BYTES, startTarget } from '../../lib/target/index.ts';
import type { RunningTarget } from '../../lib/target/index.ts';
import { call, ManualClock } from './client.ts';

/** The stats of the API families this file does not exercise, as a fresh target reports them. */
const EMPTY_FAMILIES = {
  purchases: {
    total: 0,
    byItem: { 'health-potion': 0, 'mana-potion': 0, sword: 0, shield: 0, armor: 0, boots: 0, helmet: 0, ring: 0 },
    quantity: 0,
    rejected: 0,
  },
  webhooks: {
    orders: { total: 0, byStatus: { created: 0, updated: 0, success: 0, failed: 0 } },
    chargebacks: { total: 0, byStatus: { opened: 0, updated: 0, closed: 0 }, byResolution: { won: 0, lost: 0 }, open: 0 },
    accepted: 0,
    duplicates: 0,
    invalidTransitions: 0,
    rejected: 0,
  },
  coupons: { store: 'memory', claims: { ok: 0, outOfStock: 0, alreadyClaimed: 0 } },
  shop: { byRoute: { index: 0, browse: 0, search: 0, cart: 0, viewCart: 0, checkout: 0 }, traced: 0, synthetic: 0 },
};

describe('startTarget', () => {
  let target: RunningTarget;
  let clock: ManualClock;
  const post = (path: string, body?: unknown) => call(target.url, 'POST', path, body);
  const get = (path: string) => call(target.url, 'GET', path);

  beforeEach(async () => {
    clock = new ManualClock();
    target = await startTarget({ acceptDelayMs: 100, now: clock.now });
  });

  afterEach(async () => {
    await target.close();
  });

  it('listens on loopback at a free port', () => {
    expect(target.url).toBe(`http://127.0.0.1:${target.port}`);
    expect(target.port).toBeGreaterThan(0);
  });

  it('counts every workload request exactly, 404s included, and serves the same object on /_stats', async () => {
    const a = (await post('/operation/payload', { orderNumber: 'A' })).body.orderId as string;
    await post('/operation/payload', { orderNumber: 'B' });
    await post('/operation/payload', { orderNumber: 'A' }); // 409
    await get(`/details?orderId=${a}`);
    clock.advance(100);
    await get(`/details?orderId=${a}`);
    await get('/details?orderId=missing'); // 404
    await post('/activate', { orderId: a });
    await post('/end', { orderId: a });
    await post('/end', { orderId: a }); // 409
    await get('/no/such/route');

    const expected = {
      orders: { total: 2, byState: { Pending: 0, Accepted: 1, Activated: 0, Cancelled: 0, Ended: 1 }, nonTerminal: 1 },
      ...EMPTY_FAMILIES,
      requests: {
        'POST /operation/payload': { total: 3, byStatus: { '202': 2, '409': 1 } },
        'GET /details': { total: 3, byStatus: { '200': 2, '404': 1 } },
        'POST /activate': { total: 1, byStatus: { '200': 1 } },
        'POST /end': { total: 2, byStatus: { '200': 1, '409': 1 } },
        'GET /no/such/route': { total: 1, byStatus: { '404': 1 } },
      },
      faultsInjected: {},
      invalidTransitions: 1,
    };
    expect(target.stats()).toEqual(expected);
    // Reading the ground truth does not change it.
    expect(await get('/_stats')).toEqual({ status: 200, body: expected });
    expect(await get('/_stats')).toEqual({ status: 200, body: expected });
  });

  it('clears every family and counter on POST /_reset', async () => {
    await post('/operation/payload', { orderNumber: 'A' });
    await post('/cancel', { orderId: 'x' });
    await post('/store/purchase', { playerId: 'player-1', itemId: 'ring', quantity: 1 });
    await post('/store/purchase', { playerId: 'nobody', itemId: 'ring', quantity: 1 });
    const event = { provider_order_id: 'o1', status: 'created', user_id: 'u1', amount: 1, currency: 'USD', occurred_at: '2024-01-01T00:00:00Z' };
    await post('/webhooks/payments/orders', { ...event, event_id: 'e1' });
    await post('/webhooks/payments/orders', { ...event, event_id: 'e1' });
    await post('/coupons', { name: 'C', amount: 1 });
    await post('/coupons/claim', { user_id: 'u1', coupon_name: 'C' });
    await post('/cart', { userId: 'u1', productId: 'p-1', quantity: 1 });
    await get('/');

    expect(await post('/_reset')).toEqual({ status: 200, body: { reset: true } });

    expect(target.stats()).toEqual({
      orders: { total: 0, byState: { Pending: 0, Accepted: 0, Activated: 0, Cancelled: 0, Ended: 0 }, nonTerminal: 0 },
      ...EMPTY_FAMILIES,
      requests: {},
      faultsInjected: {},
      invalidTransitions: 0,
    });
    expect((await post('/operation/payload', { orderNumber: 'A' })).body.orderId).toBe('ord_000001');
    expect((await get('/coupons/C')).status).toBe(404);
    expect((await get('/cart/u1')).body.items).toEqual([]);
    expect((await post('/webhooks/payments/orders', { ...event, event_id: 'e1' })).body.accepted).toBe(true);
  });

  it('returns 404 JSON for an unknown route and 405 with Allow for a wrong method', async () => {
    expect(await get('/nope')).toEqual({ status: 404, body: { error: 'not found', method: 'GET', path: '/nope' } });
    const res = await fetch(`${target.url}/activate`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    await res.text();
  });

  it('returns 413 for a body over 1 MiB and keeps serving', async () => {
    const big = JSON.stringify({ orderNumber: 'X', pad: 'x'.repeat(MAX_BODY_BYTES) });
    const res = await rawRequest(target.url, 'POST', '/operation/payload', big);
    expect(res.status).toBe(413);
    expect(target.stats().orders.total).toBe(0);
    expect((await post('/operation/payload', { orderNumber: 'X' })).status).toBe(202);
  });

  it('returns 413 for a chunked body that grows past 1 MiB', async () => {
    const res = await rawRequest(target.url, 'POST', '/activate', 'x'.repeat(MAX_BODY_BYTES + 10), { chunked: true });
    expect(res.status).toBe(413);
  });

  it('survives hostile input: bad JSON, odd URLs, absolute-form targets', async () => {
    expect((await post('/cancel', '{"orderId":')).status).toBe(400);
    expect((await post('/cancel', '\u0000\uffff')).status).toBe(400);
    expect((await get('/details?orderId=%E0%A4%A')).status).toBe(404);
    expect((await rawRequest(target.url, 'GET', `http://elsewhere.invalid/_stats`)).status).toBe(200);
    expect((await get('/_stats')).status).toBe(200);
  });

  it('answers GET /_slow after the requested delay', async () => {
    const started = performance.now();
    expect(await get('/_slow?ms=60')).toEqual({ status: 200, body: { sleptMs: 60 } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect((await get('/_slow?ms=abc')).status).toBe(400);
  });

  it('serves non-JSON with a JSON content type on GET /_garbage', async () => {
    const res = await fetch(`${target.url}/_garbage`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe(GARBAGE_BODY);
  });

  it('drips one byte at a time on GET /_drip', async () => {
    const res = await fetch(`${target.url}/_drip?ms=10`);
    const reader = res.body!.getReader();
    let bytes = 0;
    while (bytes < 3) bytes += (await reader.read()).value?.length ?? 0;
    await reader.cancel();
    expect(res.status).toBe(200);
    expect(bytes).toBeGreaterThanOrEqual(3);
  });

  it('closes promptly with an idle keep-alive connection and a drip in progress', async () => {
    const agent = new http.Agent({ keepAlive: true });
    try {
      // An idle kept-alive socket...
      await new Promise<void>((resolve, reject) => {
        http.get(`${target.url}/details?orderId=x`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
      });
      expect(Object.keys(agent.freeSockets)).toHaveLength(1);
      // ...and a slowloris response that would never finish on its own.
      const dripEnded = new Promise<void>((resolve) => {
        http
          .get(`${target.url}/_drip?ms=20`, (res) => {
            res.on('data', () => undefined);
            res.on('close', resolve);
          })
          .on('error', () => resolve());
      });
      await waitFor(() => (target.stats().requests['GET /_drip']?.byStatus['200'] ?? 0) === 1);

      const started = performance.now();
      await target.close();

      expect(performance.now() - started).toBeLessThan(10_000); // the drip goes on for ever: a close that waited for it would time out
      await dripEnded;
    } finally {
      agent.destroy();
    }
  });

  it('rejects a negative acceptDelayMs', async () => {
    await expect(startTarget({ acceptDelayMs: -1 })).rejects.toThrow(/acceptDelayMs/);
  });
});

/** Sends a request with node:http (fetch cannot send absolute-form targets or force chunking). */
function rawRequest(baseUrl: string, method: string, path: string, body?: string, opts: { chunked?: boolean } = {}): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json' };
    if (body !== undefined && !opts.chunked) headers['content-length'] = Buffer.byteLength(body);
    const req = http.request({ hostname, port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    // The server may answer (and close) before the whole body is sent; that is what we test.
    req.on('error', (error) => (req.destroyed && error.message.includes('EPIPE') ? undefined : reject(error)));
    if (body !== undefined) {
      if (opts.chunked) for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.slice(i, i + 64 * 1024));
      else req.write(body);
    }
    req.end();
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
