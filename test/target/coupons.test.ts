import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTarget } from '../../lib/target/index.ts';
import type { RunningTarget, TargetOptions } from '../../lib/target/index.ts';
import { postgresUnavailableReason, startPostgres } from '../helpers/postgres.ts';
import type { RunningPostgres } from '../helpers/postgres.ts';
import { call } from './client.ts';

/** The flash-sale seed's numbers: 50 concurrent claims against 5 in stock, 10 runs in a row. */
const CLAIMERS = 50;
const STOCK = 5;
const RUNS = 10;

interface BurstResult {
  readonly ok: number;
  readonly outOfStock: number;
  readonly other: number[];
  readonly remaining: number;
  readonly claimedBy: string[];
}

/** Creates FLASH_TEST with `STOCK`, fires `CLAIMERS` claims at once (distinct users), reads the coupon back. */
async function flashSale(url: string): Promise<BurstResult> {
  expect((await call(url, 'POST', '/coupons', { name: 'FLASH_TEST', amount: STOCK })).status).toBe(201);
  const claims = Array.from({ length: CLAIMERS }, (_, i) => call(url, 'POST', '/coupons/claim', { user_id: `user_${i}`, coupon_name: 'FLASH_TEST' }));
  const statuses = (await Promise.all(claims)).map((r) => r.status);
  const coupon = (await call(url, 'GET', '/coupons/FLASH_TEST')).body as { remaining_amount: number; claimed_by: string[] };
  return {
    ok: statuses.filter((s) => s === 201).length,
    outOfStock: statuses.filter((s) => s === 400).length,
    other: statuses.filter((s) => s !== 201 && s !== 400),
    remaining: coupon.remaining_amount,
    claimedBy: coupon.claimed_by,
  };
}

/** The API contract every store must keep when claims come one at a time. */
function contractTests(getTarget: () => RunningTarget, store: string): void {
  const post = (path: string, body?: unknown) => call(getTarget().url, 'POST', path, body);
  const get = (path: string) => call(getTarget().url, 'GET', path);

  it('creates a coupon (201), refuses the same name (409), and shows it', async () => {
    expect(await post('/coupons', { name: 'SPRING 10%', amount: 2 })).toEqual({ status: 201, body: { name: 'SPRING 10%', amount: 2, remaining_amount: 2 } });
    expect(await post('/coupons', { name: 'SPRING 10%', amount: 9 })).toMatchObject({ status: 409, body: { error: 'coupon exists' } });
    expect(await get(`/coupons/${encodeURIComponent('SPRING 10%')}`)).toEqual({
      status: 200,
      body: { name: 'SPRING 10%', amount: 2, remaining_amount: 2, claimed_by: [] },
    });
  });

  it('claims (201), refuses a second claim by the same user (409), runs out of stock (400)', async () => {
    await post('/coupons', { name: 'C', amount: 2 });
    expect(await post('/coupons/claim', { user_id: 'alice', coupon_name: 'C' })).toEqual({ status: 201, body: { ok: true } });
    expect(await post('/coupons/claim', { user_id: 'alice', coupon_name: 'C' })).toEqual({ status: 409, body: { error: 'already claimed' } });
    expect(await post('/coupons/claim', { user_id: 'bob', coupon_name: 'C' })).toEqual({ status: 201, body: { ok: true } });
    expect(await post('/coupons/claim', { user_id: 'carol', coupon_name: 'C' })).toEqual({ status: 400, body: { error: 'out of stock' } });
    // Stock is checked first, as in the seed: with none left, even a repeat claimer hears "out of stock".
    expect(await post('/coupons/claim', { user_id: 'alice', coupon_name: 'C' })).toEqual({ status: 400, body: { error: 'out of stock' } });
    expect((await get('/coupons/C')).body).toEqual({ name: 'C', amount: 2, remaining_amount: 0, claimed_by: ['alice', 'bob'] });
    expect(getTarget().stats().coupons).toEqual({ store, claims: { ok: 2, outOfStock: 2, alreadyClaimed: 1 } });
  });

  it('answers 404 for an unknown coupon, to claims and reads', async () => {
    expect(await post('/coupons/claim', { user_id: 'alice', coupon_name: 'NOPE' })).toMatchObject({ status: 404, body: { error: 'coupon not found' } });
    expect(await get('/coupons/NOPE')).toMatchObject({ status: 404, body: { error: 'coupon not found', name: 'NOPE' } });
    expect(getTarget().stats().coupons.claims).toEqual({ ok: 0, outOfStock: 0, alreadyClaimed: 0 });
  });

  it.each([
    ['/coupons', { name: '', amount: 1 }, 'name'],
    ['/coupons', { name: 'X', amount: -1 }, 'amount'],
    ['/coupons', { name: 'X', amount: 1.5 }, 'amount'],
    ['/coupons', { name: 'X' }, 'amount'],
    ['/coupons/claim', { coupon_name: 'X' }, 'user_id'],
    ['/coupons/claim', { user_id: 'u', coupon_name: 7 }, 'coupon_name'],
  ])('refuses a bad body on %s with 400 naming the field (%j)', async (path, body, field) => {
    expect(await post(path, body)).toMatchObject({ status: 400, body: { error: 'invalid body', fields: [field] } });
  });

  it('forgets coupons and counters on reset', async () => {
    await post('/coupons', { name: 'C', amount: 1 });
    await post('/coupons/claim', { user_id: 'alice', coupon_name: 'C' });
    await getTarget().reset();
    expect((await get('/coupons/C')).status).toBe(404);
    expect(getTarget().stats().coupons).toEqual({ store, claims: { ok: 0, outOfStock: 0, alreadyClaimed: 0 } });
    expect((await post('/coupons', { name: 'C', amount: 1 })).status).toBe(201);
  });
}

/** One suite per store: the contract, then the flash sale. */
function suite(store: 'memory' | 'racy' | 'postgres', options: () => TargetOptions, flash: (getTarget: () => RunningTarget) => void): void {
  let target: RunningTarget;
  beforeAll(async () => {
    target = await startTarget(options());
  });
  beforeEach(async () => {
    await target.reset();
  });
  afterAll(async () => {
    await target?.close();
  });
  contractTests(() => target, store);
  flash(() => target);
}

/** The seed's acceptance criteria, `RUNS` times in a row: exactly 5 ok, 45 out of stock, 0 left, 5 distinct claimers. */
function exactFlashSale(getTarget: () => RunningTarget): void {
  it(`sells exactly ${STOCK} of ${STOCK} to ${CLAIMERS} concurrent claimers, ${RUNS} runs out of ${RUNS}`, async () => {
    for (let run = 1; run <= RUNS; run += 1) {
      await getTarget().reset();
      const result = await flashSale(getTarget().url);
      expect({ run, ...result, claimers: new Set(result.claimedBy).size }).toEqual({
        run,
        ok: STOCK,
        outOfStock: CLAIMERS - STOCK,
        other: [],
        remaining: 0,
        claimedBy: result.claimedBy,
        claimers: STOCK,
      });
      expect(result.claimedBy).toHaveLength(STOCK);
      expect(getTarget().stats().coupons.claims).toEqual({ ok: STOCK, outOfStock: CLAIMERS - STOCK, alreadyClaimed: 0 });
    }
  });
}

describe('coupons API: memory store (default)', () => {
  suite('memory', () => ({}), exactFlashSale);
});

describe('coupons API: racy store', () => {
  suite(
    'racy',
    () => ({ coupons: 'racy' }),
    (getTarget) => {
      it('oversells under the same burst: the race a flash-sale check must catch', async () => {
        const result = await flashSale(getTarget().url);
        expect(result.ok).toBeGreaterThan(STOCK);
        expect(result.claimedBy.length).toBeGreaterThan(STOCK);
        // Lost updates: the stock no longer accounts for the claims.
        expect(STOCK - result.remaining).toBeLessThan(result.claimedBy.length);
        expect(getTarget().stats().coupons).toMatchObject({ store: 'racy', claims: { ok: result.ok } });
      });
    },
  );
});

const noPostgres = postgresUnavailableReason();
if (noPostgres) console.warn(`coupons API: postgres store skipped: ${noPostgres}`);

describe.skipIf(noPostgres !== undefined)(`coupons API: postgres store${noPostgres ? ` (skipped: ${noPostgres})` : ''}`, () => {
  let postgres: RunningPostgres;
  beforeAll(async () => {
    postgres = await startPostgres();
  });
  afterAll(async () => {
    await postgres?.stop();
  });
  // Registered after the server's hooks, so the target (and its pool) closes before the server stops.
  describe('through the target', () => {
    suite('postgres', () => ({ coupons: { postgres: postgres.connectionString } }), exactFlashSale);
  });

  it('refuses to start when the database cannot be reached', async () => {
    await expect(startTarget({ coupons: { postgres: 'postgresql://postgres@127.0.0.1:1/postgres' } })).rejects.toThrow();
  });
});
