import { describe, expect, it } from 'vitest';
import { intendedStart, rateSchedule } from '../../../lib/core/load/rate-pacer.ts';

describe('Function: rateSchedule', () => {
  it.each([
    { rate: 50, duration: 2000, jitter: 0, intervalMs: 20, jitterMs: 0, count: 100 },
    { rate: 50, duration: 2000, jitter: 0.5, intervalMs: 20, jitterMs: 10, count: 100 },
    { rate: 34, duration: 10_000, jitter: 0, intervalMs: 1000 / 34, jitterMs: 0, count: 340 },
    { rate: 33, duration: 10_000, jitter: 0.99, intervalMs: 1000 / 33, jitterMs: (0.99 * 1000) / 33, count: 330 },
    { rate: 2.5, duration: 1000, jitter: 0, intervalMs: 400, jitterMs: 0, count: 3 },
    { rate: 1, duration: 500, jitter: 0.6, intervalMs: 1000, jitterMs: 600, count: 0 },
  ])('a $rate/s worker over $duration ms with jitter $jitter starts exactly $count times', ({ rate, duration, jitter, intervalMs, jitterMs, count }) => {
    // Act
    const schedule = rateSchedule(rate, 1000, duration, jitter);

    // Assess: every start inside [startAt, startAt + duration), the next one outside
    expect(schedule).toEqual({ startAt: 1000, jitterMs, intervalMs, count });
    if (count > 0) expect(intendedStart(schedule, count - 1)).toBeLessThan(1000 + duration);
    expect(intendedStart(schedule, count)).toBeGreaterThanOrEqual(1000 + duration - 1e-6);
  });

  it('plans no start for a worker whose share is 0', () => {
    // Act + Assess
    expect(rateSchedule(0, 0, 10_000, 0.3)).toEqual({ startAt: 0, jitterMs: 0, intervalMs: Number.POSITIVE_INFINITY, count: 0 });
  });

  it('puts the k-th start at startAt + jitter + k x interval', () => {
    // Prepare
    const schedule = rateSchedule(50, 500, 2000, 0.25);

    // Act + Assess
    expect([0, 1, 2, 99].map((k) => intendedStart(schedule, k))).toEqual([505, 525, 545, 2485]);
  });
});
