import * as z from 'zod';
import { MAX_CONNECTIONS, overCeiling } from '../ceilings.ts';
import { TimeoutSchema } from '../duration.ts';
import { HeadersSchema } from '../plan/headers.ts';
import { baseUrlSchema } from '../plan/base-url.ts';
import type { PlanInput } from '../plan/schema.ts';

type RetryInput = NonNullable<PlanInput['target']['retry']>;
type PropagationInput = NonNullable<PlanInput['target']['propagation']>;

/** The target URL every preset takes: http(s) only, no template (see `baseUrlProblem`), with an example in the error. */
export const PresetBaseUrl = baseUrlSchema('target.baseUrl');

/** The target keys presets share, with each preset's own timeout default. */
export function presetTargetShape(timeoutMs: number) {
  return {
    baseUrl: PresetBaseUrl,
    timeout: TimeoutSchema.default(timeoutMs),
    maxConnections: z.int().min(1).max(MAX_CONNECTIONS, { error: overCeiling(String(MAX_CONNECTIONS), 'sockets to the target, a file descriptor each') }).default(100),
    headers: HeadersSchema.default({}),
  };
}

/**
 * `presetTarget` is a preset's `target`: either a bare URL string (as the seeds' `-target` flags) or
 * `{ baseUrl, timeout, maxConnections, headers }`.
 */
export function presetTarget(timeoutMs: number) {
  return z.preprocess((value) => (typeof value === 'string' ? { baseUrl: value } : value), z.strictObject(presetTargetShape(timeoutMs)));
}

/**
 * No retries: load models that measure an offered load (a rate, a burst, phases) must not resend,
 * because a retry changes the load and the outcome counts. The other fields only satisfy the schema.
 */
export const NO_RETRY = { max: 0, backoff: 1000, factor: 2, maxBackoff: 30_000, jitter: 0.5 } as const;

/** Time allowed after a timed load (`duration`) for what still runs at its end to finish: the run's `limits.maxDuration` is the load's plus this. */
export const DRAIN_MS = 60_000;

/** What `presetHeader` reads of a preset's config: its name, its seed and its `target` (`presetTarget`). */
export interface PresetIdentity {
  readonly name: string;
  readonly seed: number;
  readonly target: { readonly baseUrl: string; readonly headers: Record<string, string>; readonly timeout: number; readonly maxConnections: number };
}

/**
 * `presetHeader` is the head of the general plan a timed-load preset (purchaser, webhooks, phased)
 * compiles to: `kind: custom`, the preset's name and seed, and its target carried over as it is, with
 * the preset's retry policy and no circuit breaker. These presets send and count every request the
 * seed would: a breaker would turn an outage into `circuit-open` errors the seed never has. `extra`
 * adds target keys (trace propagation).
 *
 * @example
 * return { ...presetHeader(config, { retry: NO_RETRY }), payloads: { ... }, requests: { ... }, ... };
 */
export function presetHeader(config: PresetIdentity, target: { readonly retry: RetryInput; readonly propagation?: PropagationInput }) {
  const { baseUrl, headers, timeout, maxConnections } = config.target;
  return {
    kind: 'custom' as const,
    name: config.name,
    seed: config.seed,
    target: { baseUrl, headers, timeout, maxConnections, ...target, circuitBreaker: false as const },
  };
}
