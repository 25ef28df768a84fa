import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTarget } from '../../lib/target/index.ts';
import type { OrderAction, OrderState, RunningTarget } from '../../lib/target/index.ts';
import { call, ManualClock } from './client.ts';

const DELAY = 200;

describe('startTarget: orders API', () => {
  let target: RunningTarget;
  let clock: ManualClock;
  const post = (path: string, body?: unknown) => call(target.url, 'POST', path, body);
  const get = (path: string) => call(target.url, 'GET', path);

  const create = async (orderNumber = 'ORD-2024-000001'): Promise<string> => {
    const res = await post('/operation/payload', { orderNumber, location: 'US-EAST-1', type: 'activate' });
    expect(res.status).toBe(202);
    return res.body.orderId as string;
  };

  /** Brings a fresh order to `state` through the API. */
  const orderIn = async (state: OrderState): Promise<string> => {
    const orderId = await create();
    if (state === 'Pending') return orderId;
    clock.advance(DELAY);
    if (state === 'Cancelled') expect((await post('/cancel', { orderId })).status).toBe(200);
    if (state === 'Activated' || state === 'Ended') expect((await post('/activate', { orderId })).status).toBe(200);
    if (state === 'Ended') expect((await post('/end', { orderId })).status).toBe(200);
    return orderId;
  };

  beforeEach(async () => {
    clock = new ManualClock();
    target = await startTarget({ acceptDelayMs: DELAY, now: clock.now });
  });

  afterEach(async () => {
    await target.close();
  });

  it('walks the happy lifecycle: create, Pending, Accepted after the delay, activate, end', async () => {
    const created = await post('/operation/payload', { orderNumber: 'ORD-2024-000001', type: 'activate' });
    expect(created).toEqual({
      status: 202,
      body: { orderId: 'ord_000001', orderNumber: 'ORD-2024-000001', status: 'Pending', createdAt: '2024-01-01T00:00:00.000Z' },
    });
    const orderId = created.body.orderId as string;

    clock.advance(DELAY - 1);
    expect((await get(`/details?orderId=${orderId}`)).body.status).toBe('Pending');
    clock.advance(1);
    const details = await get(`/details?orderId=${orderId}`);
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({
      orderId,
      orderNumber: 'ORD-2024-000001',
      status: 'Accepted',
      updatedAt: '2024-01-01T00:00:00.200Z',
      payload: { orderNumber: 'ORD-2024-000001', type: 'activate' },
    });

    expect(await post('/activate', { orderId })).toMatchObject({ status: 200, body: { orderId, status: 'Activated' } });
    expect(await post('/end', { orderId })).toMatchObject({ status: 200, body: { orderId, status: 'Ended' } });
    expect((await get(`/details?orderId=${orderId}`)).body.status).toBe('Ended');
    expect(target.stats().orders).toEqual({
      total: 1,
      byState: { Pending: 0, Accepted: 0, Activated: 0, Cancelled: 0, Ended: 1 },
      nonTerminal: 0,
    });
  });

  it('reports Pending at creation even with acceptDelayMs 0, and Accepted on the first read', async () => {
    const instant = await startTarget({ acceptDelayMs: 0 });
    try {
      const created = await call(instant.url, 'POST', '/operation/payload', { orderNumber: 'A' });
      expect(created.body.status).toBe('Pending');
      expect((await call(instant.url, 'GET', `/details?orderId=${created.body.orderId}`)).body.status).toBe('Accepted');
    } finally {
      await instant.close();
    }
  });

  it('cancels from Pending and from Accepted', async () => {
    const pending = await create('P');
    expect(await post('/cancel', { orderId: pending })).toMatchObject({ status: 200, body: { status: 'Cancelled' } });
    const accepted = await create('A');
    clock.advance(DELAY);
    expect(await post('/cancel', { orderId: accepted })).toMatchObject({ status: 200, body: { status: 'Cancelled' } });
    expect(target.stats().orders.byState.Cancelled).toBe(2);
  });

  const invalid: ReadonlyArray<[OrderState, OrderAction, OrderState]> = [
    ['Pending', 'activate', 'Activated'],
    ['Pending', 'end', 'Ended'],
    ['Accepted', 'end', 'Ended'],
    ['Activated', 'activate', 'Activated'],
    ['Activated', 'cancel', 'Cancelled'],
    ['Cancelled', 'activate', 'Activated'],
    ['Cancelled', 'cancel', 'Cancelled'],
    ['Cancelled', 'end', 'Ended'],
    ['Ended', 'activate', 'Activated'],
    ['Ended', 'cancel', 'Cancelled'],
    ['Ended', 'end', 'Ended'],
  ];

  it.each(invalid)('returns 409 when asked to move from %s via %s, and changes nothing', async (from, action, to) => {
    const orderId = await orderIn(from);
    const before = target.stats().orders;

    const res = await post(`/${action}`, { orderId });

    expect(res).toEqual({ status: 409, body: { error: 'invalid transition', orderId, from, to } });
    expect((await get(`/details?orderId=${orderId}`)).body.status).toBe(from);
    expect(target.stats().orders).toEqual(before);
    expect(target.stats().invalidTransitions).toBe(1);
  });

  it('returns 409 when ending an order that was never activated', async () => {
    const orderId = await orderIn('Accepted');
    expect(await post('/end', { orderId })).toMatchObject({ status: 409, body: { from: 'Accepted', to: 'Ended' } });
  });

  it('returns 409 with the existing orderId when an orderNumber is reused', async () => {
    const orderId = await create('ORD-1');
    const again = await post('/operation/payload', { orderNumber: 'ORD-1' });
    expect(again).toEqual({ status: 409, body: { error: 'duplicate orderNumber', orderNumber: 'ORD-1', orderId } });
    expect(target.stats().orders.total).toBe(1);
  });

  it('returns 404 for an unknown order on every order endpoint', async () => {
    expect(await get('/details?orderId=ord_999999')).toEqual({ status: 404, body: { error: 'order not found', orderId: 'ord_999999' } });
    for (const action of ['activate', 'cancel', 'end']) {
      expect((await post(`/${action}`, { orderId: 'nope' })).status).toBe(404);
    }
  });

  it.each([
    ['no body', undefined],
    ['malformed JSON', '{"orderNumber": '],
    ['an array', [{ orderNumber: 'X' }]],
    ['a JSON string', '"ORD-1"'],
    ['null', 'null'],
    ['a missing orderNumber', { location: 'US' }],
    ['a numeric orderNumber', { orderNumber: 42 }],
    ['an empty orderNumber', { orderNumber: '' }],
  ])('returns 400 when creating with %s', async (_name, body) => {
    const res = await post('/operation/payload', body);
    expect(res.status).toBe(400);
    expect(typeof res.body.error).toBe('string');
    expect(target.stats().orders.total).toBe(0);
  });

  it('returns 400 for a transition body without a string orderId', async () => {
    for (const body of [undefined, '{', {}, { orderId: 7 }, ['ord_000001']]) {
      expect((await post('/activate', body)).status).toBe(400);
    }
  });

  it('returns 400 for details without an orderId', async () => {
    expect(await get('/details')).toEqual({ status: 400, body: { error: 'missing query parameter', parameter: 'orderId' } });
    expect((await get('/details?orderId=')).status).toBe(400);
  });
});
