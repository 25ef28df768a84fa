/**
 * The bundled demo target: start it with `startTarget`, read its ground truth with `stats()` or
 * `GET /_stats`, and steer its faults with `faults.set()` or `PUT /_faults`.
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
