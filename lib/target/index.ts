/**
 * The bundled demo target: start it with `startTarget`, read its ground truth with `stats()` or
 * `GET /_stats`, and steer its faults with `faults.set()` or `PUT /_faults`. APIs: orders (day-in-life),
 * purchases (purchaser), payment webhooks (webhooks), coupons (flash-sale), shop (phased).
 */
export { startTarget, DEFAULT_ACCEPT_DELAY_MS } from './server.ts';
export type { RunningTarget, TargetOptions, TargetStats } from './server.ts';
export {
  FaultController,
  FaultConfigError,
  FaultConfigSchema,
  EndpointFaultSchema,
  FAULT_WILDCARD,
  MAX_INJECTED_LATENCY_MS,
  parseFaultConfig,
} from './faults.ts';
export type { EndpointFault, FaultConfig, FaultConfigInput, FaultDecision } from './faults.ts';
export { ORDER_STATES, ORDER_TRANSITIONS, TERMINAL_ORDER_STATES } from './order-book.ts';
export type { OrderAction, OrderState, OrderStats } from './order-book.ts';
export type { EndpointCounts } from './request-stats.ts';
export { MAX_BODY_BYTES } from './http-io.ts';
export { GARBAGE_BODY } from './hazards.ts';
export { MAX_PLAYER_NUMBER, MAX_QUANTITY, MIN_QUANTITY, PURCHASE_ITEMS } from './purchase-book.ts';
export type { PurchaseItem, PurchaseStats } from './purchase-book.ts';
export {
  CHARGEBACK_RESOLUTIONS,
  CHARGEBACK_STATUSES,
  CHARGEBACK_TRANSITIONS,
  PAYMENT_ORDER_STATUSES,
  PAYMENT_ORDER_TRANSITIONS,
} from './webhook-book.ts';
export type { ChargebackResolution, ChargebackStatus, PaymentOrderStatus, WebhookStats } from './webhook-book.ts';
export { DEFAULT_RACY_DELAY_MS, MemoryCouponStore, RacyCouponStore } from './coupon-store.ts';
export type { ClaimOutcome, Coupon, CouponStats, CouponStore, CouponStoreKind } from './coupon-store.ts';
// PostgresCouponStore is not re-exported: importing the target must not load pg (import it from './coupon-postgres.ts').
export type { PostgresCouponStoreOptions } from './coupon-postgres.ts';
export { openCouponStore } from './coupons.ts';
export type { CouponStoreOption } from './coupons.ts';
export { CATALOGUE, SHOP_CATEGORIES, SHOP_PRODUCT_COUNT, SHOP_ROUTES } from './shop-book.ts';
export type { Product, ShopRoute, ShopStats } from './shop-book.ts';
export { MAX_CART_QUANTITY, trafficTags } from './shop.ts';
