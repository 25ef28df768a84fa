/**
 * The bundled demo target: a small HTTP server with the APIs of loadfleet's workloads, ground-truth
 * counters and fault knobs. Examples and end-to-end tests run against it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoadfleetError } from '../core/errors.ts';
import { controlRoutes } from './control.ts';
import type { CouponStats } from './coupon-store.ts';
import { couponRoutes, openCouponStore } from './coupons.ts';
import type { CouponStoreOption } from './coupons.ts';
import { createDispatcher } from './dispatcher.ts';
import { FaultController } from './faults.ts';
import type { FaultConfigInput } from './faults.ts';
import { hazardRoutes } from './hazards.ts';
import { OrderBook } from './order-book.ts';
import type { OrderStats } from './order-book.ts';
import { ordersRoutes } from './orders.ts';
import { PurchaseBook } from './purchase-book.ts';
import type { PurchaseStats } from './purchase-book.ts';
import { purchaseRoutes } from './purchases.ts';
import { RequestStats } from './request-stats.ts';
import type { EndpointCounts } from './request-stats.ts';
import { Router } from './router.ts';
import { ShopBook } from './shop-book.ts';
import type { ShopStats } from './shop-book.ts';
import { shopRoutes } from './shop.ts';
import { WebhookBook } from './webhook-book.ts';
import type { WebhookStats } from './webhook-book.ts';
import { webhookRoutes } from './webhooks.ts';

/** `TargetOptions` configures `startTarget`; every field is optional. */
export interface TargetOptions {
  /** Interface to bind; defaults to `127.0.0.1` (the target is for local runs, never exposed). */
  readonly host?: string;
  /** Port to bind; defaults to 0 (any free port: read it back from `RunningTarget.port`). */
  readonly port?: number;
  /** How long a created order stays Pending before it reads as Accepted; default 200 ms. */
  readonly acceptDelayMs?: number;
  /** Initial fault configuration; default none. */
  readonly faults?: FaultConfigInput;
  /** Receives one JSON line per notable event (start, reset, faults set, handler error); default silent. */
  readonly log?: (line: string) => void;
  /** Clock in epoch ms for order timing; default `Date.now`. Inject one so tests need no sleeping. */
  readonly now?: () => number;
  /**
   * Where flash-sale coupons live: `'memory'` (default, correct), `'racy'` (deliberately oversells
   * under a burst, to show what a flash-sale check catches), or `{ postgres: connectionString }` (the
   * seed's `SELECT ... FOR UPDATE` transaction; its `coupons` and `claims` tables are created if
   * missing and emptied on start and on reset, so give it a database of its own).
   */
  readonly coupons?: CouponStoreOption;
}

/** `TargetStats` is the ground truth served by `GET /_stats`. */
export interface TargetStats {
  orders: OrderStats;
  purchases: PurchaseStats;
  webhooks: WebhookStats;
  coupons: CouponStats;
  shop: ShopStats;
  /** Every workload request by `"<METHOD> <path>"`: faulted ones and 404s too, control routes not. */
  requests: Record<string, EndpointCounts>;
  /** Injected error faults by `"<METHOD> <path>"` (latency alone is not counted here). */
  faultsInjected: Record<string, number>;
  /** Transitions refused with 409, over all families (orders and webhooks). */
  invalidTransitions: number;
}

/** `RunningTarget` is a started target. */
export interface RunningTarget {
  /** Base URL, e.g. `http://127.0.0.1:54321` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** The same object `GET /_stats` returns. */
  stats(): TargetStats;
  /** Clears all state and counters, as `POST /_reset` does (the fault config is kept, its generators restart). */
  reset(): Promise<void>;
  /** The live fault configuration; `faults.set(config)` is what `PUT /_faults` does. */
  readonly faults: FaultController;
  /** Stops listening, destroys every connection (idle keep-alive and in-flight alike) and closes the coupon store; idempotent. */
  close(): Promise<void>;
}

/** `DEFAULT_ACCEPT_DELAY_MS` is how long orders stay Pending unless `acceptDelayMs` says otherwise. */
export const DEFAULT_ACCEPT_DELAY_MS = 200;

/**
 * `startTarget` starts the demo target and resolves once it is listening.
 *
 * @example
 * const target = await startTarget({ acceptDelayMs: 0 });
 * await fetch(`${target.url}/operation/payload`, { method: 'POST', body: JSON.stringify({ orderNumber: 'ORD-1' }) });
 * target.stats().orders.total; // 1
 * await target.close();
 */
export async function startTarget(options: TargetOptions = {}): Promise<RunningTarget> {
  const host = options.host ?? '127.0.0.1';
  const acceptDelayMs = options.acceptDelayMs ?? DEFAULT_ACCEPT_DELAY_MS;
  if (!Number.isFinite(acceptDelayMs) || acceptDelayMs < 0) {
    throw new LoadfleetError('TARGET_OPTIONS_INVALID', `acceptDelayMs must be a non-negative number, got ${acceptDelayMs}`);
  }
  const log = options.log ?? (() => undefined);
  const faults = new FaultController(options.faults);
  const requests = new RequestStats();
  const now = options.now ?? Date.now;
  const orders = new OrderBook({ acceptDelayMs, now });
  const purchases = new PurchaseBook(now);
  const webhooks = new WebhookBook();
  const shop = new ShopBook();
  const coupons = await openCouponStore(options.coupons, log);

  // Each API family plugs in here: its routes, its stats, its reset.
  const stats = (): TargetStats => ({
    orders: orders.stats(),
    purchases: purchases.stats(),
    webhooks: webhooks.stats(),
    coupons: coupons.stats(),
    shop: shop.stats(),
    requests: requests.requestsSnapshot(),
    faultsInjected: requests.faultsSnapshot(),
    invalidTransitions: orders.invalidTransitions() + webhooks.invalidTransitions(),
  });
  const reset = async (): Promise<void> => {
    orders.reset();
    purchases.reset();
    webhooks.reset();
    shop.reset();
    requests.reset();
    faults.reseed();
    await coupons.reset();
  };

  const router = new Router([
    ...ordersRoutes(orders),
    ...purchaseRoutes(purchases),
    ...webhookRoutes(webhooks),
    ...couponRoutes(coupons),
    ...shopRoutes(shop),
    ...hazardRoutes(),
    ...controlRoutes({ stats, reset, faults, log }),
  ]);
  const server = createServer(createDispatcher({ router, faults, stats: requests, log }));

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await coupons.close(); // a PostgreSQL pool would otherwise keep the process alive
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log(JSON.stringify({ level: 'info', msg: 'target listening', url, acceptDelayMs, coupons: coupons.kind }));

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      // close() alone waits for every open connection; a kept-alive socket or a /_drip would hold it
      // for seconds or forever, and keep the test process alive.
      server.closeAllConnections();
    }).then(async () => {
      // After the server, so no new claim starts; pool.end() waits for running ones to release their connections.
      await coupons.close();
      log(JSON.stringify({ level: 'info', msg: 'target closed', url }));
    });
    return closing;
  };

  return { url, port, stats, reset, faults, close };
}
