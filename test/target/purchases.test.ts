import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTarget } from '../../lib/target/index.ts';
import type { RunningTarget } from '../../lib/target/index.ts';
import { call, ManualClock } from './client.ts';

describe('startTarget: purchases API', () => {
  let target: RunningTarget;
  const purchase = (body: unknown) => call(target.url, 'POST', '/store/purchase', body);
  const valid = { playerId: 'player-42', itemId: 'sword', quantity: 3 };

  beforeEach(async () => {
    target = await startTarget({ now: new ManualClock().now });
  });

  afterEach(async () => {
    await target.close();
  });

  it('accepts a purchase with 201 and counts it by item and quantity', async () => {
    expect(await purchase(valid)).toEqual({
      status: 201,
      body: { purchaseId: 'pur_000001', playerId: 'player-42', itemId: 'sword', quantity: 3, purchasedAt: '2024-01-01T00:00:00.000Z' },
    });
    expect((await purchase({ playerId: 'player-0', itemId: 'ring', quantity: 1 })).body.purchaseId).toBe('pur_000002');
    expect((await purchase({ playerId: 'player-9999', itemId: 'sword', quantity: 5 })).status).toBe(201);

    expect(target.stats().purchases).toEqual({
      total: 3,
      byItem: { 'health-potion': 0, 'mana-potion': 0, sword: 2, shield: 0, armor: 0, boots: 0, helmet: 0, ring: 1 },
      quantity: 9,
      rejected: 0,
    });
  });

  it('accepts every catalogue item and every quantity from 1 to 5', async () => {
    const items = ['health-potion', 'mana-potion', 'sword', 'shield', 'armor', 'boots', 'helmet', 'ring'];
    for (const [i, itemId] of items.entries()) {
      expect((await purchase({ playerId: `player-${i}`, itemId, quantity: (i % 5) + 1 })).status).toBe(201);
    }
    expect(target.stats().purchases.total).toBe(8);
  });

  it.each([
    ['playerId', { ...valid, playerId: 'player-10000' }],
    ['playerId', { ...valid, playerId: 'player-007' }],
    ['playerId', { ...valid, playerId: 'user-1' }],
    ['playerId', { ...valid, playerId: 42 }],
    ['playerId', { itemId: 'sword', quantity: 1 }],
    ['itemId', { ...valid, itemId: 'bow' }],
    ['itemId', { ...valid, itemId: undefined }],
    ['quantity', { ...valid, quantity: 0 }],
    ['quantity', { ...valid, quantity: 6 }],
    ['quantity', { ...valid, quantity: 2.5 }],
    ['quantity', { ...valid, quantity: '3' }],
  ])('refuses a bad %s with 400 naming it: %j', async (field, body) => {
    const res = await purchase(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid body');
    expect(res.body.fields).toEqual([field]);
    expect(res.body.issues[0]).toMatch(new RegExp(`^${field}: `));
    expect(target.stats().purchases).toMatchObject({ total: 0, rejected: 1, quantity: 0 });
  });

  it('names every bad field at once, and counts malformed JSON as rejected', async () => {
    const res = await purchase({ playerId: 'x', itemId: 'y', quantity: 9 });
    expect(res.body.fields).toEqual(['playerId', 'itemId', 'quantity']);
    expect((await purchase('{"playerId":')).status).toBe(400);
    expect((await purchase([valid])).status).toBe(400);
    expect(target.stats().purchases).toMatchObject({ total: 0, rejected: 3 });
    expect(target.stats().requests['POST /store/purchase']).toEqual({ total: 3, byStatus: { '400': 3 } });
  });
});
