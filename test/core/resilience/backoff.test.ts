import { describe, expect, it } from 'vitest';
import { backoffDelay, type BackoffPolicy } from '../../../lib/core/resilience/backoff.ts';
import { Rng } from '../../../lib/core/rng.ts';

const exp: BackoffPolicy = { baseMs: 100, factor: 2, maxMs: 1000, jitter: 0 };

describe('Function: backoffDelay', () => {
  describe('HAPPY PATH', () => {
    it.each([
      { name: 'first retry waits baseMs', policy: exp, retry: 1, want: 100 },
      { name: 'second retry doubles', policy: exp, retry: 2, want: 200 },
      { name: 'fourth retry is base * 2^3', policy: exp, retry: 4, want: 800 },
      { name: 'fifth retry is capped at maxMs', policy: exp, retry: 5, want: 1000 },
      { name: 'a huge retry number overflows to the cap, not Infinity', policy: exp, retry: 5000, want: 1000 },
      { name: 'factor 1 is a constant delay', policy: { ...exp, factor: 1 }, retry: 7, want: 100 },
      { name: 'baseMs 0 never waits', policy: { ...exp, baseMs: 0 }, retry: 5000, want: 0 },
    ])('$name', ({ policy, retry, want }) => {
      // Act
      const got = backoffDelay(policy, retry, Rng.of(1));

      // Assess
      expect(got).toBe(want);
    });

    it('scales by a factor in [1 - jitter, 1]', () => {
      // Prepare
      const rng = Rng.of(7);
      const policy = { ...exp, jitter: 0.5 };

      // Act
      const delays = Array.from({ length: 1000 }, () => backoffDelay(policy, 3, rng));

      // Assess: 400 ms exact, so every draw is in [200, 400] and they do spread out
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(200);
      expect(Math.max(...delays)).toBeLessThanOrEqual(400);
      expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(150);
    });

    it('replays the same delays from the same seed', () => {
      // Prepare
      const policy = { ...exp, jitter: 1 };
      const draw = (rng: Rng): number[] => [1, 2, 3, 4].map((r) => backoffDelay(policy, r, rng));

      // Act + Assess
      expect(draw(Rng.of(42))).toEqual(draw(Rng.of(42)));
    });

    it('draws nothing from the rng when jitter is 0', () => {
      // Prepare
      const rng = Rng.of(3);
      const before = rng.state();

      // Act
      backoffDelay(exp, 2, rng);

      // Assess
      expect(rng.state()).toEqual(before);
    });
  });

  describe('SAD PATH', () => {
    it.each([
      { name: 'retry 0', policy: exp, retry: 0, msg: /retry must be an integer >= 1/ },
      { name: 'fractional retry', policy: exp, retry: 1.5, msg: /retry must be an integer >= 1/ },
      { name: 'negative baseMs', policy: { ...exp, baseMs: -1 }, retry: 1, msg: /baseMs/ },
      { name: 'factor below 1', policy: { ...exp, factor: 0.5 }, retry: 1, msg: /factor/ },
      { name: 'maxMs below baseMs', policy: { ...exp, maxMs: 50 }, retry: 1, msg: /maxMs/ },
      { name: 'jitter above 1', policy: { ...exp, jitter: 1.1 }, retry: 1, msg: /jitter/ },
      { name: 'NaN jitter', policy: { ...exp, jitter: Number.NaN }, retry: 1, msg: /jitter/ },
    ])('throws RangeError for $name', ({ policy, retry, msg }) => {
      // Act + Assess
      expect(() => backoffDelay(policy, retry, Rng.of(1))).toThrow(RangeError);
      expect(() => backoffDelay(policy, retry, Rng.of(1))).toThrow(msg);
    });
  });
});
