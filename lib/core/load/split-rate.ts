/**
 * `splitRate` divides a total rate among `workers` exactly as the purchaser seed's
 * DistributePurchasers does: an even integer share each, the remainder handed out one unit at a time
 * to the first workers, and any fractional leftover to the next one. The shares always add up to the
 * total, so the fleet's rate is the plan's rate however it is cut.
 *
 * @example
 * splitRate(100, 3); // [34, 33, 33]
 * splitRate(2, 3);   // [1, 1, 0]
 * splitRate(10.5, 4); // [3, 3, 2.5, 2]
 */
export function splitRate(total: number, workers: number): number[] {
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, got ${workers}`);
  if (!Number.isFinite(total) || total < 0) throw new RangeError(`rate must be a non-negative number, got ${total}`);
  const base = Math.floor(total / workers);
  let remainder = total - base * workers;
  const shares = new Array<number>(workers).fill(base);
  for (let i = 0; i < workers && remainder > 0; i++) {
    const extra = Math.min(1, remainder);
    // Round away float noise (e.g. 10.5 - 8 = 2.5000000000000004) so the shares add up exactly.
    shares[i] = Math.round((base + extra) * 1e9) / 1e9;
    remainder = Math.round((remainder - extra) * 1e9) / 1e9;
  }
  return shares;
}

/**
 * The start schedule of one open-model worker: its k-th lifecycle is intended to start at
 * `startAt + jitterMs + k * intervalMs`, for every k whose start falls inside the duration. Pure
 * arithmetic, so the number of starts in any window is exact and every worker can compute its own.
 */
export interface RateSchedule {
  readonly startAt: number;
  readonly jitterMs: number;
  readonly intervalMs: number;
  readonly count: number;
}

/** Builds a worker's schedule; `jitterFraction` in [0, 1) places the first start within one interval. */
export function rateSchedule(ratePerSec: number, startAt: number, durationMs: number, jitterFraction: number): RateSchedule {
  if (ratePerSec <= 0) return { startAt, jitterMs: 0, intervalMs: Number.POSITIVE_INFINITY, count: 0 };
  const intervalMs = 1000 / ratePerSec;
  const jitterMs = jitterFraction * intervalMs;
  // Starts at jitter + k*interval < duration.
  const count = jitterMs >= durationMs ? 0 : Math.floor((durationMs - jitterMs) / intervalMs - 1e-9) + 1;
  return { startAt, jitterMs, intervalMs, count };
}

/** Intended start time of the k-th lifecycle of a schedule. */
export function intendedStart(schedule: RateSchedule, k: number): number {
  return schedule.startAt + schedule.jitterMs + k * schedule.intervalMs;
}
