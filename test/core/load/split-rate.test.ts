import { describe, expect, it } from 'vitest';
import { splitRate } from '../../../lib/core/load/split-rate.ts';

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
