import type { Rng } from '../rng.ts';

/**
 * `BackoffPolicy` shapes the wait before each retry: exponential growth from `baseMs` by `factor`,
 * capped at `maxMs`, then shortened by up to `jitter` (a fraction, 0..1) at random.
 */
export interface BackoffPolicy {
  /** Delay before the first retry, in ms. */
  readonly baseMs: number;
  /** Growth per retry (>= 1); 2 doubles the delay each time. */
  readonly factor: number;
  /** Upper bound of the un-jittered delay, in ms. */
  readonly maxMs: number;
  /** Fraction of the delay that may be cut at random: 0 = exact, 1 = "full jitter" in [0, delay]. */
  readonly jitter: number;
}

/**
 * `backoffDelay` returns how long to wait before retry number `retry` (1 for the first retry):
 * `min(maxMs, baseMs * factor^(retry - 1))` scaled by a random factor in [1 - jitter, 1].
 *
 * Why jitter: when a target fails, every client that was talking to it fails at about the same
 * moment. Without jitter they all retry on the same schedule and hit it again in synchronized
 * waves; drawing each delay from a range spreads the retries out. The draw comes from the caller's
 * seeded `Rng`, so a run still replays exactly. Only downward jitter is applied so `maxMs` stays a
 * true upper bound.
 *
 * @throws RangeError if the policy or `retry` is out of range.
 * @example
 * backoffDelay({ baseMs: 100, factor: 2, maxMs: 1000, jitter: 0 }, 3, rng); // 400
 */
export function backoffDelay(policy: BackoffPolicy, retry: number, rng: Rng): number {
  assertPolicy(policy);
  if (!Number.isInteger(retry) || retry < 1) {
    throw new RangeError(`retry must be an integer >= 1, got ${retry}`);
  }
  const { baseMs, factor, maxMs, jitter } = policy;
  // factor ** n overflows to Infinity for large n; min() then caps it. baseMs 0 is special-cased
  // because 0 * Infinity is NaN.
  const exact = baseMs === 0 ? 0 : Math.min(maxMs, baseMs * factor ** (retry - 1));
  if (jitter === 0) return exact;
  // rng.float() is in [0, 1), so the scale is in (1 - jitter, 1].
  return exact * (1 - jitter * rng.float());
}

/** Rejects a policy that would produce negative, shrinking or NaN delays. */
function assertPolicy({ baseMs, factor, maxMs, jitter }: BackoffPolicy): void {
  if (!(baseMs >= 0 && Number.isFinite(baseMs))) throw new RangeError(`baseMs must be a finite number >= 0, got ${baseMs}`);
  if (!(factor >= 1 && Number.isFinite(factor))) throw new RangeError(`factor must be a finite number >= 1, got ${factor}`);
  if (!(maxMs >= baseMs && Number.isFinite(maxMs))) throw new RangeError(`maxMs must be finite and >= baseMs, got ${maxMs}`);
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`jitter must be in [0, 1], got ${jitter}`);
}
