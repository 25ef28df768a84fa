import * as z from 'zod';
import { MAX_CONNECTIONS, overCeiling } from '../ceilings.ts';
import { TimeoutSchema } from '../duration.ts';
import { HeadersSchema } from '../plan/headers.ts';
import { baseUrlSchema } from '../plan/base-url.ts';

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

/** The general plan's target fields a preset's `target` carries over as they are. */
export function targetBasics(target: { baseUrl: string; headers: Record<string, string>; timeout: number; maxConnections: number }) {
  return { baseUrl: target.baseUrl, headers: target.headers, timeout: target.timeout, maxConnections: target.maxConnections };
}
