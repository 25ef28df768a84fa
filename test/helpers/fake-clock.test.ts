import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.ts';

describe('Class: FakeClock', () => {
  describe('HAPPY PATH', () => {
    it('starts at the given time and only moves on advance', async () => {
      const clock = new FakeClock(1000);
      expect(clock.now()).toBe(1000);
      await clock.advance(250);
      expect(clock.now()).toBe(1250);
    });

    it('fires timers in time order, ties in creation order, at their own time', async () => {
      // Prepare
      const clock = new FakeClock();
      const fired: Array<[string, number]> = [];
      const at = (name: string, ms: number): void => void clock.sleep(ms).then(() => fired.push([name, clock.now()]));
      at('c', 30);
      at('a', 10);
      at('b', 10);
      at('late', 100);

      // Act
      await clock.advance(50);

      // Assess
      expect(fired).toEqual([['a', 10], ['b', 10], ['c', 30]]);
      expect(clock.now()).toBe(50);
      expect(clock.pending()).toBe(1);
    });

    it('lets woken code schedule follow-up sleeps within the same advance', async () => {
      // Prepare
      const clock = new FakeClock();
      const ticks: number[] = [];
      void (async () => {
        for (let i = 0; i < 3; i++) {
          await clock.sleep(10);
          ticks.push(clock.now());
        }
      })();

      // Act
      await clock.advance(100);

      // Assess
      expect(ticks).toEqual([10, 20, 30]);
    });

    it('runAll drains every timer', async () => {
      const clock = new FakeClock();
      void clock.sleep(5_000);
      await clock.runAll();
      expect(clock.now()).toBe(5_000);
      expect(clock.pending()).toBe(0);
    });
  });

  describe('SAD PATH', () => {
    it('rejects with the signal reason and drops the timer on abort', async () => {
      // Prepare
      const clock = new FakeClock();
      const ac = new AbortController();
      const reason = new Error('stop');
      const sleeping = clock.sleep(100, ac.signal);

      // Act
      ac.abort(reason);

      // Assess
      await expect(sleeping).rejects.toBe(reason);
      expect(clock.pending()).toBe(0);
    });

    it('rejects at once for an already aborted signal', async () => {
      const clock = new FakeClock();
      const reason = new Error('gone');
      await expect(clock.sleep(100, AbortSignal.abort(reason))).rejects.toBe(reason);
      expect(clock.pending()).toBe(0);
    });
  });
});
