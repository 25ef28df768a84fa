import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, systemClock } from '../../../lib/adapters/local/system-clock.ts';

describe('Object: systemClock', () => {
  describe('HAPPY PATH', () => {
    it('tells epoch time close to Date.now()', () => {
      expect(Math.abs(systemClock.now() - Date.now())).toBeLessThan(1000);
    });

    it('sleeps at least roughly the given time', async () => {
      const start = systemClock.now();
      await systemClock.sleep(20);
      expect(systemClock.now() - start).toBeGreaterThanOrEqual(15);
    });
  });

  describe('SAD PATH', () => {
    it('rejects with the signal reason when aborted mid-sleep', async () => {
      const ac = new AbortController();
      const reason = new Error('stop');
      const sleeping = systemClock.sleep(60_000, ac.signal);
      ac.abort(reason);
      await expect(sleeping).rejects.toBe(reason);
    });

    it('rejects with the signal reason when already aborted', async () => {
      const reason = new Error('gone');
      await expect(systemClock.sleep(60_000, AbortSignal.abort(reason))).rejects.toBe(reason);
    });
  });

  describe('Method: sleep, past the timer range', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('waits 2^31 + 5 ms in full, not the 1 ms one overflowing timer would', async () => {
      // Prepare
      vi.useFakeTimers();
      let woke = false;
      const ms = 2 ** 31 + 5;
      void systemClock.sleep(ms).then(() => (woke = true));

      // Act / Assess: nothing after 1 ms, nor one timer's worth, nor 1 ms short of the end
      await vi.advanceTimersByTimeAsync(1);
      expect(woke).toBe(false);
      await vi.advanceTimersByTimeAsync(MAX_TIMER_MS - 1);
      expect(woke).toBe(false);
      await vi.advanceTimersByTimeAsync(ms - MAX_TIMER_MS - 1);
      expect(woke).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(woke).toBe(true);
    });

    it('waits the whole chain with a signal too, and an abort mid-chain rejects and clears the pending timer', async () => {
      // Prepare
      vi.useFakeTimers();
      const ac = new AbortController();
      const reason = new Error('stop');
      let settled: unknown = 'pending';
      const sleeping = systemClock.sleep(3 * MAX_TIMER_MS, ac.signal).then(() => 'woke', (error: unknown) => error);
      void sleeping.then((value) => (settled = value));

      // Act: two timers of the chain have fired
      await vi.advanceTimersByTimeAsync(2 * MAX_TIMER_MS + 10);
      expect(settled).toBe('pending');
      ac.abort(reason);
      await vi.advanceTimersByTimeAsync(0);

      // Assess
      expect(settled).toBe(reason);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('waits the whole chain with a signal that never aborts', async () => {
      vi.useFakeTimers();
      let woke = false;
      void systemClock.sleep(MAX_TIMER_MS + 1, new AbortController().signal).then(() => (woke = true));
      await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
      expect(woke).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(woke).toBe(true);
    });
  });
});
