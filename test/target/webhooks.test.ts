import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTarget } from '../../lib/target/index.ts';
import type { RunningTarget } from '../../lib/target/index.ts';
import { call } from './client.ts';

const ORDER_STATUSES = ['created', 'updated', 'success', 'failed'] as const;
const CHARGEBACK_STATUSES = ['opened', 'updated', 'closed'] as const;
// Written out by hand from the seed's CanBeUpdatedTo (not imported), so the test checks the target.
const VALID_ORDER = new Set(['new->created', 'created->updated', 'created->success', 'created->failed', 'updated->success', 'updated->failed']);
const VALID_CHARGEBACK = new Set(['new->opened', 'opened->updated', 'opened->closed', 'updated->closed']);
/** How to bring an entity to a state through valid events. */
const ORDER_PATHS: Record<string, string[]> = { new: [], created: ['created'], updated: ['created', 'updated'], success: ['created', 'success'], failed: ['created', 'failed'] };
const CHARGEBACK_PATHS: Record<string, string[]> = { new: [], opened: ['opened'], updated: ['opened', 'updated'], closed: ['opened', 'closed'] };

describe('startTarget: payment webhooks API', () => {
  let target: RunningTarget;
  let seq = 0;
  const nextEventId = () => `evt-${++seq}`;

  const orderEvent = (orderId: string, status: string, extra: Record<string, unknown> = {}) => ({
    provider_order_id: orderId,
    status,
    user_id: 'user-1',
    amount: 99.99,
    currency: 'USD',
    occurred_at: '2024-01-01T00:00:00Z',
    event_id: nextEventId(),
    ...extra,
  });
  const chargebackEvent = (chargebackId: string, orderId: string, status: string, extra: Record<string, unknown> = {}) => ({
    chargeback_id: chargebackId,
    provider_order_id: orderId,
    status,
    reason: 'fraudulent',
    amount: 99.99,
    currency: 'USD',
    occurred_at: '2024-01-01T00:00:00+02:00',
    event_id: nextEventId(),
    ...(status === 'closed' ? { meta: { resolution: 'won' } } : {}),
    ...extra,
  });
  const sendOrder = (body: unknown) => call(target.url, 'POST', '/webhooks/payments/orders', body);
  const sendChargeback = (body: unknown) => call(target.url, 'POST', '/webhooks/payments/chargebacks', body);
  const orderIn = async (orderId: string, state: string) => {
    for (const status of ORDER_PATHS[state] ?? []) expect((await sendOrder(orderEvent(orderId, status))).status).toBe(200);
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

  describe('order transitions', () => {
    const cases = Object.keys(ORDER_PATHS).flatMap((from) => ORDER_STATUSES.map((to) => [from, to] as const));

    it.each(cases)('%s -> %s', async (from, to) => {
      await orderIn('o1', from);
      const before = target.stats().webhooks;
      const res = await sendOrder(orderEvent('o1', to));
      const after = target.stats().webhooks;
      if (VALID_ORDER.has(`${from}->${to}`)) {
        expect(res).toMatchObject({ status: 200, body: { accepted: true, provider_order_id: 'o1', from: from === 'new' ? null : from, status: to } });
        expect(after.orders.byStatus[to]).toBe(1);
        expect(after.accepted).toBe(before.accepted + 1);
      } else {
        expect(res).toMatchObject({ status: 409, body: { error: 'invalid transition', from: from === 'new' ? null : from, to } });
        expect(after.orders).toEqual(before.orders); // no state change
        expect(after.invalidTransitions).toBe(before.invalidTransitions + 1);
        expect(target.stats().invalidTransitions).toBe(after.invalidTransitions);
      }
    });
  });

  describe('chargeback transitions', () => {
    const cases = Object.keys(CHARGEBACK_PATHS).flatMap((from) => CHARGEBACK_STATUSES.map((to) => [from, to] as const));

    it.each(cases)('%s -> %s', async (from, to) => {
      await orderIn('o1', 'success');
      for (const status of CHARGEBACK_PATHS[from] ?? []) expect((await sendChargeback(chargebackEvent('cb1', 'o1', status))).status).toBe(200);
      const before = target.stats().webhooks;
      const res = await sendChargeback(chargebackEvent('cb1', 'o1', to));
      const after = target.stats().webhooks;
      if (VALID_CHARGEBACK.has(`${from}->${to}`)) {
        expect(res).toMatchObject({ status: 200, body: { accepted: true, chargeback_id: 'cb1', status: to } });
        expect(after.chargebacks.byStatus[to]).toBe(1);
      } else {
        expect(res).toMatchObject({ status: 409, body: { error: 'invalid transition', from: from === 'new' ? null : from, to } });
        expect(after.chargebacks).toEqual(before.chargebacks);
        expect(after.invalidTransitions).toBe(before.invalidTransitions + 1);
      }
    });

    it.each(['new', 'created', 'updated', 'failed'])('refuses a chargeback on an order that is %s with 409', async (state) => {
      await orderIn('o1', state);
      const res = await sendChargeback(chargebackEvent('cb1', 'o1', 'opened'));
      expect(res).toMatchObject({ status: 409, body: { error: expect.stringMatching(/not chargeable/), order_status: state === 'new' ? null : state } });
      expect(target.stats().webhooks).toMatchObject({ chargebacks: { total: 0 }, invalidTransitions: 1 });
    });

    it('refuses an event that moves a chargeback to another order', async () => {
      await orderIn('o1', 'success');
      await orderIn('o2', 'success');
      await sendChargeback(chargebackEvent('cb1', 'o1', 'opened'));
      expect(await sendChargeback(chargebackEvent('cb1', 'o2', 'closed'))).toMatchObject({ status: 409, body: { expected_provider_order_id: 'o1' } });
    });

    it('requires meta.resolution won|lost to close, and counts resolutions', async () => {
      await orderIn('o1', 'success');
      await sendChargeback(chargebackEvent('cb1', 'o1', 'opened'));
      const noMeta = await sendChargeback(chargebackEvent('cb1', 'o1', 'closed', { meta: undefined }));
      expect(noMeta).toMatchObject({ status: 400, body: { fields: ['meta.resolution'] } });
      expect((await sendChargeback(chargebackEvent('cb1', 'o1', 'closed', { meta: {} }))).status).toBe(400);
      const draw = await sendChargeback(chargebackEvent('cb1', 'o1', 'closed', { meta: { resolution: 'draw' } }));
      expect(draw).toMatchObject({ status: 400, body: { fields: ['meta.resolution'] } });
      expect(target.stats().webhooks).toMatchObject({ chargebacks: { open: 1, byStatus: { opened: 1 } }, rejected: 3 });

      expect((await sendChargeback(chargebackEvent('cb1', 'o1', 'closed', { meta: { resolution: 'lost' } }))).status).toBe(200);
      await sendChargeback(chargebackEvent('cb2', 'o1', 'opened'));
      await sendChargeback(chargebackEvent('cb3', 'o1', 'opened'));
      await sendChargeback(chargebackEvent('cb3', 'o1', 'closed', { meta: { resolution: 'won' } }));
      expect(target.stats().webhooks.chargebacks).toEqual({
        total: 3,
        byStatus: { opened: 1, updated: 0, closed: 2 },
        byResolution: { won: 1, lost: 1 },
        open: 1,
      });
    });
  });

  describe('de-duplication by event_id', () => {
    it('answers a repeated order event with 200 duplicate and changes nothing', async () => {
      const created = orderEvent('o1', 'created');
      expect((await sendOrder(created)).status).toBe(200);
      expect(await sendOrder(created)).toEqual({ status: 200, body: { duplicate: true, event_id: created.event_id } });
      // Same id, different content: still the same event, still a duplicate (and no transition to success).
      expect((await sendOrder({ ...created, status: 'success' })).body).toEqual({ duplicate: true, event_id: created.event_id });
      expect(target.stats().webhooks).toMatchObject({ orders: { total: 1, byStatus: { created: 1, success: 0 } }, accepted: 1, duplicates: 2, invalidTransitions: 0 });
    });

    it('dedupes chargeback events, and event ids across both endpoints', async () => {
      await orderIn('o1', 'success');
      const opened = chargebackEvent('cb1', 'o1', 'opened');
      await sendChargeback(opened);
      expect((await sendChargeback(opened)).body.duplicate).toBe(true);
      expect((await sendOrder(orderEvent('o9', 'created', { event_id: opened.event_id }))).body.duplicate).toBe(true);
      expect(target.stats().webhooks).toMatchObject({ orders: { total: 1 }, chargebacks: { total: 1 }, duplicates: 2 });
    });

    it('judges a retried refused event again instead of calling it a duplicate', async () => {
      const early = orderEvent('o1', 'success'); // before created: refused
      expect((await sendOrder(early)).status).toBe(409);
      expect((await sendOrder(early)).status).toBe(409);
      await orderIn('o1', 'created');
      expect((await sendOrder(early)).status).toBe(200);
      expect(target.stats().webhooks).toMatchObject({ duplicates: 0, invalidTransitions: 2, accepted: 2 });
    });
  });

  describe('validation', () => {
    it.each(['provider_order_id', 'status', 'user_id', 'amount', 'currency', 'occurred_at', 'event_id'])('refuses an order event without %s with 400', async (field) => {
      const res = await sendOrder(orderEvent('o1', 'created', { [field]: undefined }));
      expect(res).toMatchObject({ status: 400, body: { error: 'invalid body', fields: [field] } });
    });

    it.each([
      ['status', 'paid'],
      ['amount', -1],
      ['amount', '99.99'],
      ['currency', 'usd'],
      ['occurred_at', 'yesterday'],
      ['event_id', ''],
    ])('refuses an order event with %s = %j', async (field, value) => {
      expect((await sendOrder(orderEvent('o1', 'created', { [field]: value }))).body.fields).toEqual([field]);
    });

    it.each(['chargeback_id', 'provider_order_id', 'status', 'reason', 'amount', 'currency', 'occurred_at', 'event_id'])(
      'refuses a chargeback event without %s with 400',
      async (field) => {
        const res = await sendChargeback(chargebackEvent('cb1', 'o1', 'opened', { [field]: undefined }));
        expect(res).toMatchObject({ status: 400, body: { error: 'invalid body', fields: [field] } });
      },
    );

    it('counts 400s, malformed JSON included, as rejected and changes nothing', async () => {
      await sendOrder(orderEvent('o1', 'created', { status: 'bogus' }));
      await sendOrder('{"provider_order_id":');
      await sendChargeback('not json');
      await sendChargeback(chargebackEvent('cb1', 'o1', 'reopened'));
      expect(target.stats().webhooks).toMatchObject({ orders: { total: 0 }, chargebacks: { total: 0 }, accepted: 0, rejected: 4, invalidTransitions: 0 });
    });
  });

  it('walks the seed lifecycle and reports it exactly', async () => {
    // Order scenarios as the seed's VUs play them: created, then the first valid next status.
    await orderIn('o1', 'success');
    await orderIn('o2', 'failed');
    await orderIn('o3', 'updated');
    await sendOrder(orderEvent('o3', 'success'));
    // A dispute with the evidence window, and one without.
    await sendChargeback(chargebackEvent('cb1', 'o1', 'opened'));
    await sendChargeback(chargebackEvent('cb1', 'o1', 'updated'));
    await sendChargeback(chargebackEvent('cb1', 'o1', 'closed', { meta: { resolution: 'lost' } }));
    await sendChargeback(chargebackEvent('cb2', 'o3', 'opened'));

    expect(target.stats().webhooks).toEqual({
      orders: { total: 3, byStatus: { created: 0, updated: 0, success: 2, failed: 1 } },
      chargebacks: { total: 2, byStatus: { opened: 1, updated: 0, closed: 1 }, byResolution: { won: 0, lost: 1 }, open: 1 },
      accepted: 11,
      duplicates: 0,
      invalidTransitions: 0,
      rejected: 0,
    });
    expect(target.stats().requests['POST /webhooks/payments/orders']).toEqual({ total: 7, byStatus: { '200': 7 } });
  });
});
