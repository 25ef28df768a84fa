/**
 * The start schedule of one open-model worker (the `rate` model's pacer): its k-th lifecycle is
 * intended to start at `startAt + jitterMs + k * intervalMs`, for every k whose start falls inside the
 * duration. Pure arithmetic, with no clock inside, so the number of starts in any window is exact and
 * every worker can compute its own: the planner builds each worker's schedule (`rateSchedule`), and
 * `runRate` starts lifecycle k at `intendedStart(unit, k)`.
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
