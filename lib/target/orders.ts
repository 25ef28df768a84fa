/**
 * The orders API of the demo target (the day-in-life workload): create, poll details, activate,
 * cancel, end. HTTP shapes only; the state machine lives in `OrderBook`.
 */
import * as z from 'zod';
import type { Order, OrderAction, OrderBook } from './order-book.ts';
import { json } from './router.ts';
import type { JsonReply, Route } from './router.ts';
import { invalidBody } from './validation.ts';

const CreateBodySchema = z.looseObject({ orderNumber: z.string().min(1) });
const OrderRefSchema = z.looseObject({ orderId: z.string().min(1) });

/**
 * `ordersRoutes` builds the orders endpoints over `book`:
 *
 * - `POST /operation/payload` (body: the order payload, with a string `orderNumber`) -> 202
 *   `{ orderId, orderNumber, status: "Pending", createdAt }`; 409 when the orderNumber was used
 *   (the body carries the existing `orderId`, so a client whose first attempt timed out can recover).
 * - `GET /details?orderId=` -> 200 the order; Pending turns Accepted once `acceptDelayMs` has passed.
 * - `POST /activate` | `/cancel` | `/end` (body `{ orderId }`) -> 200 `{ orderId, status }`;
 *   409 `{ error: "invalid transition", from, to }` when the state machine refuses.
 */
export function ordersRoutes(book: OrderBook): Route[] {
  return [
    {
      method: 'POST',
      path: '/operation/payload',
      body: 'json',
      handle: ({ body }) => {
        const parsed = CreateBodySchema.safeParse(body);
        if (!parsed.success) return invalidBody(parsed.error);
        const result = book.create(parsed.data);
        if (result.kind === 'duplicate') {
          return json(409, { error: 'duplicate orderNumber', orderNumber: parsed.data.orderNumber, orderId: result.existingOrderId });
        }
        const { orderId, orderNumber, status, createdAt } = result.order;
        return json(202, { orderId, orderNumber, status, createdAt: iso(createdAt) });
      },
    },
    {
      method: 'GET',
      path: '/details',
      handle: ({ query }) => {
        const orderId = query.get('orderId');
        if (!orderId) return json(400, { error: 'missing query parameter', parameter: 'orderId' });
        const order = book.get(orderId);
        return order ? json(200, orderBody(order)) : notFound(orderId);
      },
    },
    transitionRoute(book, '/activate', 'activate'),
    transitionRoute(book, '/cancel', 'cancel'),
    transitionRoute(book, '/end', 'end'),
  ];
}

function transitionRoute(book: OrderBook, path: string, action: OrderAction): Route {
  return {
    method: 'POST',
    path,
    body: 'json',
    handle: ({ body }) => {
      const parsed = OrderRefSchema.safeParse(body);
      if (!parsed.success) return invalidBody(parsed.error);
      const result = book.transition(parsed.data.orderId, action);
      switch (result.kind) {
        case 'not-found':
          return notFound(parsed.data.orderId);
        case 'invalid':
          return json(409, { error: 'invalid transition', orderId: parsed.data.orderId, from: result.from, to: result.to });
        case 'done': {
          const { orderId, orderNumber, status, updatedAt } = result.order;
          return json(200, { orderId, orderNumber, status, updatedAt: iso(updatedAt) });
        }
      }
    },
  };
}

function orderBody(order: Order): Record<string, unknown> {
  return {
    orderId: order.orderId,
    orderNumber: order.orderNumber,
    status: order.status,
    createdAt: iso(order.createdAt),
    updatedAt: iso(order.updatedAt),
    payload: order.payload,
  };
}

function notFound(orderId: string): JsonReply {
  return json(404, { error: 'order not found', orderId });
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
