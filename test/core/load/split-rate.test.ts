import { describe, expect, it } from 'vitest';
import { intendedStart, rateSchedule, splitRate } from '../../../lib/core/load/split-rate.ts';

describe('Function: splitRate (the purchaser seed\'s DistributePurchasers)', () => {
  it.each([
    // HAPPY PATH
    { total: 100, workers: 3, shares: [34, 33, 33], why: 'the seed\'s example: remainder to the first workers' },
    { total: 99, workers: 3, shares: [33, 33, 33], why: 'an even split' },
    { total: 7, workers: 1, shares: [7], why: 'one worker takes everything' },
    { total: 2, workers: 3, shares: [1, 1, 0], why: 'rate below workers: one each until it runs out' },
    { total: 10.5, workers: 4, shares: [3, 3, 2.5, 2], why: 'a fractional leftover goes to the next worker' },
    { total: 0.5, workers: 2, shares: [0.5, 0], why: 'a rate below one' },
    { total: 0, workers: 3, shares: [0, 0, 0], why: 'rate 0' },
    { total: 1000, workers: 7, shares: [143, 143, 143, 143, 143, 143, 142], why: 'many workers' },
  ])('splits $total over $workers workers into $shares ($why)', ({ total, workers, shares }) => {
    // Act
    const actual = splitRate(total, workers);

    // Assess: exact shares, and they always add up to the total
    expect(actual).toEqual(shares);
    expect(actual.reduce((a, b) => a + b, 0)).toBe(total);
  });

  it('keeps float noise out of the shares (10.3 over 4 adds up exactly)', () => {
    // Act
    const shares = splitRate(10.3, 4);

    // Assess
    expect(shares).toEqual([3, 3, 2.3, 2]);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(10.3, 9);
  });

  it.each([
    // SAD PATH
    { total: 10, workers: 0, message: 'workers must be a positive integer, got 0' },
    { total: 10, workers: 1.5, message: 'workers must be a positive integer, got 1.5' },
    { total: -1, workers: 2, message: 'rate must be a non-negative number, got -1' },
    { total: Number.NaN, workers: 2, message: 'rate must be a non-negative number, got NaN' },
    { total: Number.POSITIVE_INFINITY, workers: 2, message: 'rate must be a non-negative number, got Infinity' },
  ])('throws a RangeError for rate $total over $workers workers', ({ total, workers, message }) => {
    // Act + Assess
    expect(() => splitRate(total, workers)).toThrow(new RangeError(message));
  });
});

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
