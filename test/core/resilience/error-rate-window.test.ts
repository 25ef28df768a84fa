import { describe, expect, it } from 'vitest';
import { ERROR_RATE_ABORT_PREFIX, ErrorRateWindow } from '../../../lib/core/resilience/error-rate-window.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const REFUSED = 'connect ECONNREFUSED 127.0.0.1:1';
const RULE = { above: 0.5, window: 10_000, minRequests: 20 };

/** Records `n` attempts at the clock's time, every `failEvery`-th failing with `cause` (0 = none fail). */
function feed(window: ErrorRateWindow, clock: FakeClock, n: number, failEvery: number, cause = REFUSED): string | undefined {
  let verdict: string | undefined;
  for (let i = 1; i <= n; i++) verdict ??= window.record(clock.now(), failEvery > 0 && i % failEvery === 0 ? cause : undefined);
  return verdict;
}

describe('Class: ErrorRateWindow', () => {
  describe('HAPPY PATH', () => {
    it('fires once, at the attempt that takes the failed share past the threshold, naming the rule and the cause', async () => {
      // Prepare
      const clock = new FakeClock(1_000_000);
      const window = new ErrorRateWindow(RULE);

      // Act: 19 refusals are below minRequests; the 20th attempt fires; later ones do not fire again
      const early = feed(window, clock, 19, 1);
      await clock.advance(3000);
      const verdict = window.record(clock.now(), REFUSED);
      const after = window.record(clock.now(), REFUSED);

      // Assess
      expect(early).toBeUndefined();
      expect(verdict).toBe(`${ERROR_RATE_ABORT_PREFIX} 100% over the first 3.00s is above 50% (limits.abortOnErrorRate): 20 of 20 attempts failed; most common: ${REFUSED}`);
      expect(after).toBeUndefined();
      expect(window.verdict).toBe(verdict);
    });

    it('judges a slow run on its last minRequests attempts, however long they took', async () => {
      // Prepare: one attempt a second (a lifecycle whose retries back off), so 10 s never hold 20
      const clock = new FakeClock(0);
      const window = new ErrorRateWindow(RULE);

      // Act
      let verdict: string | undefined;
      let attempts = 0;
      while (verdict === undefined && attempts < 100) {
        verdict = window.record(clock.now(), REFUSED);
        attempts++;
        await clock.advance(1000);
      }

      // Assess: the 20th refusal fires, over the 19 s those 20 attempts took
      expect(attempts).toBe(20);
      expect(verdict).toBe(`${ERROR_RATE_ABORT_PREFIX} 100% over the last 20 attempts (19.0s) is above 50% (limits.abortOnErrorRate): 20 of 20 attempts failed; most common: ${REFUSED}`);
    });

    it('lets a slow run with a tolerable share of failures go on', async () => {
      // Prepare
      const clock = new FakeClock(0);
      const window = new ErrorRateWindow(RULE);

      // Act: 200 attempts, one a second, every other one failing (50%: not above the threshold)
      let verdict: string | undefined;
      for (let i = 0; i < 200; i++) {
        verdict ??= window.record(clock.now(), i % 2 === 1 ? 'http5xx 503' : undefined);
        await clock.advance(1000);
      }

      // Assess
      expect(verdict).toBeUndefined();
    });

    it('fires over the last full window with the share and counts of that window only', async () => {
      // Prepare: 30 s of a healthy target (1 failure in 10)
      const clock = new FakeClock(0);
      const window = new ErrorRateWindow(RULE);
      for (let s = 0; s < 30; s++) {
        expect(feed(window, clock, 10, 10, 'http5xx 503')).toBeUndefined();
        await clock.advance(1000);
      }

      // Act: then every attempt fails, 10 a second
      let verdict: string | undefined;
      let seconds = 0;
      while (verdict === undefined && seconds < 20) {
        verdict = feed(window, clock, 10, 1);
        await clock.advance(1000);
        seconds++;
      }

      // Assess: in the 5th bad second the window holds 5 healthy seconds (50 attempts, 5 failed), 4 bad
      // ones (40 failed) and the current one: its first failure makes 46 of 91, past 50%
      expect(seconds).toBe(5);
      expect(verdict).toBe(`${ERROR_RATE_ABORT_PREFIX} 50.5% over the last 10.0s is above 50% (limits.abortOnErrorRate): 46 of 91 attempts failed; most common: ${REFUSED}`);
    });

    it('names what opened the circuit breaker, not its refusals, as the most common cause', () => {
      // Prepare
      const clock = new FakeClock(0);
      const window = new ErrorRateWindow(RULE);

      // Act: 5 refusals open the breaker, then 15 circuit-open attempts
      feed(window, clock, 5, 1);
      const verdict = feed(window, clock, 15, 1, 'circuit-open');

      // Assess
      expect(verdict).toMatch(/20 of 20 attempts failed; most common: connect ECONNREFUSED 127\.0\.0\.1:1$/);
    });
  });

  describe('SAD PATH', () => {
    it('never fires at or below the threshold, however many attempts', async () => {
      const clock = new FakeClock(0);
      const window = new ErrorRateWindow(RULE);
      for (let s = 0; s < 60; s++) {
        expect(feed(window, clock, 100, 2)).toBeUndefined();
        await clock.advance(500);
      }
      expect(window.verdict).toBeUndefined();
    });

    it('keeps a bounded set of causes per bucket and still counts every failure', () => {
      const clock = new FakeClock(0);
      const window = new ErrorRateWindow({ above: 0.9, window: 10_000, minRequests: 100 });
      let verdict: string | undefined;
      for (let i = 0; i < 100; i++) verdict ??= window.record(clock.now(), `http5xx ${500 + (i % 50)} x${i % 50}`);
      expect(verdict).toMatch(/100 of 100 attempts failed; most common: http5xx 500 x0$/);
    });
  });
});
