/**
 * The flash-sale coupons API of the demo target. HTTP shapes only; the coupons live in a
 * `CouponStore` chosen by `startTarget`'s `coupons` option.
 */
import * as z from 'zod';
import { MemoryCouponStore, RacyCouponStore } from './coupon-store.ts';
import type { CouponStore } from './coupon-store.ts';
import { json } from './router.ts';
import type { Route } from './router.ts';
import { invalidBody } from './validation.ts';

/** `CouponStoreOption` chooses the store: `'memory'` (default, correct), `'racy'` (oversells), or PostgreSQL. */
export type CouponStoreOption = 'memory' | 'racy' | { readonly postgres: string };

/**
 * `openCouponStore` builds and initialises the chosen store (for PostgreSQL: connects, creates the
 * tables when missing and empties them, so a started target always begins as empty as a memory one).
 */
export async function openCouponStore(option: CouponStoreOption = 'memory', log?: (line: string) => void): Promise<CouponStore> {
  if (option === 'memory') return new MemoryCouponStore();
  if (option === 'racy') return new RacyCouponStore();
  // pg is loaded only when a PostgreSQL store is asked for: every other target and run does without it.
  const { PostgresCouponStore } = await import('./coupon-postgres.ts');
  const store = new PostgresCouponStore({ connectionString: option.postgres, ...(log ? { log } : {}) });
  try {
    await store.init();
    await store.reset();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

const NameSchema = z.string().min(1).max(200);
const CreateSchema = z.looseObject({ name: NameSchema, amount: z.number().int().nonnegative().max(2 ** 31 - 1) }); // PostgreSQL integer
const ClaimSchema = z.looseObject({ user_id: z.string().min(1), coupon_name: NameSchema });

/**
 * `couponRoutes` builds the coupons endpoints over `store`:
 *
 * - `POST /coupons` (body `{ name, amount }`) -> 201 `{ name, amount, remaining_amount }`; 409 when the name exists.
 * - `POST /coupons/claim` (body `{ user_id, coupon_name }`) -> 201 `{ ok: true }`; 400 `{ error: "out of stock" }`;
 *   409 `{ error: "already claimed" }`; 404 for an unknown coupon.
 * - `GET /coupons/:name` -> 200 `{ name, amount, remaining_amount, claimed_by }`; 404 when unknown.
 */
export function couponRoutes(store: CouponStore): Route[] {
  return [
    {
      method: 'POST',
      path: '/coupons',
      body: 'json',
      handle: async ({ body }) => {
        const parsed = CreateSchema.safeParse(body);
        if (!parsed.success) return invalidBody(parsed.error);
        const { name, amount } = parsed.data;
        if ((await store.create(name, amount)) === 'exists') return json(409, { error: 'coupon exists', name });
        return json(201, { name, amount, remaining_amount: amount });
      },
    },
    {
      method: 'POST',
      path: '/coupons/claim',
      body: 'json',
      handle: async ({ body }) => {
        const parsed = ClaimSchema.safeParse(body);
        if (!parsed.success) return invalidBody(parsed.error);
        const { user_id, coupon_name } = parsed.data;
        switch (await store.claim(user_id, coupon_name)) {
          case 'ok':
            return json(201, { ok: true });
          case 'out-of-stock':
            return json(400, { error: 'out of stock' });
          case 'already-claimed':
            return json(409, { error: 'already claimed' });
          case 'not-found':
            return json(404, { error: 'coupon not found', name: coupon_name });
        }
      },
    },
    {
      method: 'GET',
      path: '/coupons/:name',
      handle: async ({ params }) => {
        const name = params.name ?? '';
        const coupon = await store.get(name);
        return coupon ? json(200, coupon) : json(404, { error: 'coupon not found', name });
      },
    },
  ];
}
