import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../lib/adapters/local/system-clock.ts';

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
});
