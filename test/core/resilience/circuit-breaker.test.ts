import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../lib/core/resilience/circuit-breaker.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

/** A breaker that opens after 3 consecutive failures and cools down for 1 s. */
function setup(halfOpenMax?: number): { clock: FakeClock; breaker: CircuitBreaker } {
  const clock = new FakeClock();
  return { clock, breaker: new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000, halfOpenMax }, clock) };
}

/** Reports `n` failures. */
function fail(breaker: CircuitBreaker, n: number): void {
  for (let i = 0; i < n; i++) breaker.onFailure();
}

describe('Class: CircuitBreaker', () => {
  describe('HAPPY PATH', () => {
    it('starts closed and allows everything', () => {
      const { breaker } = setup();
      expect(breaker.state).toBe('closed');
      expect([breaker.allow(), breaker.allow(), breaker.allow()]).toEqual([true, true, true]);
    });

    it.each([
      { name: '2 failures stay closed', failures: 2, want: 'closed' },
      { name: '3 failures open it', failures: 3, want: 'open' },
    ])('$name', ({ failures, want }) => {
      const { breaker } = setup();
      fail(breaker, failures);
      expect(breaker.state).toBe(want);
    });

    it('counts only consecutive failures: a success resets the count', () => {
      // Prepare
      const { breaker } = setup();

      // Act
      fail(breaker, 2);
      breaker.onSuccess();
      fail(breaker, 2);

      // Assess
      expect(breaker.state).toBe('closed');
    });

    it('fails fast while open, and turns half-open exactly when the cooldown ends', async () => {
      // Prepare
      const { clock, breaker } = setup();
      fail(breaker, 3);

      // Act + Assess
      expect(breaker.allow()).toBe(false);
      await clock.advance(999);
      expect(breaker.state).toBe('open');
      expect(breaker.allow()).toBe(false);
      await clock.advance(1);
      expect(breaker.state).toBe('half-open');
    });

    it.each([
      { name: 'halfOpenMax 1 (default)', halfOpenMax: undefined, want: [true, false, false] },
      { name: 'halfOpenMax 2', halfOpenMax: 2, want: [true, true, false] },
    ])('allows $name probe(s) while half-open', async ({ halfOpenMax, want }) => {
      // Prepare
      const { clock, breaker } = setup(halfOpenMax);
      fail(breaker, 3);
      await clock.advance(1000);

      // Act
      const allowed = [breaker.allow(), breaker.allow(), breaker.allow()];

      // Assess
      expect(allowed).toEqual(want);
    });

    it('closes on a probe success', async () => {
      // Prepare
      const { clock, breaker } = setup();
      fail(breaker, 3);
      await clock.advance(1000);
      breaker.allow();

      // Act
      breaker.onSuccess();

      // Assess: closed with a fresh count, so it takes 3 new failures to open again
      expect(breaker.state).toBe('closed');
      fail(breaker, 2);
      expect(breaker.state).toBe('closed');
    });

    it('gives a half-open probe back on a neutral result (stopped, or refused before sending), counting no failure', async () => {
      // Prepare: open, then half-open with its one probe taken
      const { clock, breaker } = setup();
      fail(breaker, 3);
      await clock.advance(1000);
      expect(breaker.allow()).toBe(true);
      expect(breaker.allow()).toBe(false);

      // Act
      breaker.onNeutral();

      // Assess: still half-open, and the next attempt may probe
      expect(breaker.state).toBe('half-open');
      expect(breaker.allow()).toBe(true);
    });

    it('ignores late results reported while open', async () => {
      // Prepare
      const { clock, breaker } = setup();
      fail(breaker, 3);

      // Act: in-flight requests report back during the cooldown
      await clock.advance(600);
      breaker.onSuccess();
      fail(breaker, 5);
      await clock.advance(400);

      // Assess: still open until 1000 ms after it opened, not extended
      expect(breaker.state).toBe('half-open');
    });
  });

  describe('SAD PATH', () => {
    it('reopens on a probe failure, with a new full cooldown', async () => {
      // Prepare
      const { clock, breaker } = setup();
      fail(breaker, 3);
      await clock.advance(1500);
      breaker.allow();

      // Act
      breaker.onFailure();

      // Assess
      expect(breaker.state).toBe('open');
      expect(breaker.allow()).toBe(false);
      await clock.advance(999);
      expect(breaker.state).toBe('open');
      await clock.advance(1);
      expect(breaker.state).toBe('half-open');
      expect(breaker.allow()).toBe(true);
    });

    it.each([
      { name: 'failureThreshold 0', opts: { failureThreshold: 0, cooldownMs: 1 }, msg: /failureThreshold/ },
      { name: 'fractional failureThreshold', opts: { failureThreshold: 1.5, cooldownMs: 1 }, msg: /failureThreshold/ },
      { name: 'negative cooldownMs', opts: { failureThreshold: 1, cooldownMs: -1 }, msg: /cooldownMs/ },
      { name: 'halfOpenMax 0', opts: { failureThreshold: 1, cooldownMs: 1, halfOpenMax: 0 }, msg: /halfOpenMax/ },
    ])('throws RangeError for $name', ({ opts, msg }) => {
      expect(() => new CircuitBreaker(opts, new FakeClock())).toThrow(msg);
    });
  });
});
