/**
 * The store-purchases API of the demo target (the purchaser workload). HTTP shapes only; the
 * catalogue and counters live in `PurchaseBook`.
 */
import * as z from 'zod';
import { MAX_PLAYER_NUMBER, MAX_QUANTITY, MIN_QUANTITY, PURCHASE_ITEMS } from './purchase-book.ts';
import type { PurchaseBook } from './purchase-book.ts';
import { json } from './router.ts';
import type { Route } from './router.ts';
import { invalidBody } from './validation.ts';

// `player-N` exactly as the purchaser formats it (no sign, no leading zeros), N in 0..MAX_PLAYER_NUMBER.
const PlayerIdSchema = z
  .string()
  .regex(/^player-(0|[1-9]\d*)$/, 'must be "player-N" with N a whole number')
  .refine((id) => Number(id.slice('player-'.length)) <= MAX_PLAYER_NUMBER, `N must be at most ${MAX_PLAYER_NUMBER}`);

const PurchaseBodySchema = z.looseObject({
  playerId: PlayerIdSchema,
  itemId: z.enum(PURCHASE_ITEMS),
  quantity: z.number().int().min(MIN_QUANTITY).max(MAX_QUANTITY),
});

/**
 * `purchaseRoutes` builds `POST /store/purchase` over `book`: body
 * `{ playerId: "player-N", itemId, quantity }` -> 201 `{ purchaseId, playerId, itemId, quantity,
 * purchasedAt }`; 400 `{ error: "invalid body", fields, issues }` naming each bad field.
 */
export function purchaseRoutes(book: PurchaseBook): Route[] {
  return [
    {
      method: 'POST',
      path: '/store/purchase',
      body: 'json',
      onMalformedBody: () => book.reject(),
      handle: ({ body }) => {
        const parsed = PurchaseBodySchema.safeParse(body);
        if (!parsed.success) {
          book.reject();
          return invalidBody(parsed.error);
        }
        const { playerId, itemId, quantity } = parsed.data;
        const purchase = book.purchase({ playerId, itemId, quantity });
        return json(201, { ...purchase, purchasedAt: new Date(purchase.purchasedAt).toISOString() });
      },
    },
  ];
}
