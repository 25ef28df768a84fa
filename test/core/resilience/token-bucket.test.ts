import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../lib/core/resilience/token-bucket.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

/** Starts `n` takes at once and records the fake time at which each one completes. */
function startTakes(bucket: TokenBucket, clock: FakeClock, n: number, signal?: AbortSignal): number[] {
  const done: number[] = [];
  for (let i = 0; i < n; i++) void bucket.take(signal).then(() => done.push(clock.now()), () => undefined);
  return done;
}

describe('Class: TokenBucket', () => {
  describe('Method: take', () => {
    describe('HAPPY PATH', () => {
      it.each([
        { name: '10/s, burst 1: one take per 100 ms', rate: 10, burst: 1, n: 5, want: [0, 100, 200, 300, 400] },
        { name: '10/s, burst 3: three at once, then 100 ms apart', rate: 10, burst: 3, n: 5, want: [0, 0, 0, 100, 200] },
        { name: '4/s, default burst 4', rate: 4, burst: undefined, n: 6, want: [0, 0, 0, 0, 250, 500] },
        { name: '0.5/s, default burst 1', rate: 0.5, burst: undefined, n: 3, want: [0, 2000, 4000] },
      ])('$name', async ({ rate, burst, n, want }) => {
        // Prepare
        const clock = new FakeClock();
        const bucket = new TokenBucket({ ratePerSec: rate, burst }, clock);

        // Act
        const done = startTakes(bucket, clock, n);
        await clock.runAll();

        // Assess
        expect(done).toEqual(want);
      });

      it('refills while idle, up to burst, without a timer', async () => {
        // Prepare
        const clock = new FakeClock();
        const bucket = new TokenBucket({ ratePerSec: 10, burst: 2 }, clock);
        startTakes(bucket, clock, 2);
        await clock.runAll();

        // Act: idle for 10 s; only 2 tokens may have accumulated
        await clock.advance(10_000);
        const done = startTakes(bucket, clock, 3);
        await clock.runAll();

        // Assess
        expect(done).toEqual([10_000, 10_000, 10_100]);
        expect(clock.pending()).toBe(0);
      });

      it('serves waiters first come, first served', async () => {
        // Prepare
        const clock = new FakeClock();
        const bucket = new TokenBucket({ ratePerSec: 10, burst: 1 }, clock);
        const order: string[] = [];

        // Act
        for (const name of ['a', 'b', 'c', 'd']) void bucket.take().then(() => order.push(name));
        await clock.runAll();

        // Assess
        expect(order).toEqual(['a', 'b', 'c', 'd']);
      });

      it('gives an aborted waiter\'s slot to the next one', async () => {
        // Prepare
        const clock = new FakeClock();
        const bucket = new TokenBucket({ ratePerSec: 10, burst: 1 }, clock);
        const ac = new AbortController();
        const done: Array<[string, number]> = [];
        void bucket.take().then(() => done.push(['a', clock.now()]));
        const b = expect(bucket.take(ac.signal)).rejects.toThrow('stop b');
        void bucket.take().then(() => done.push(['c', clock.now()]));

        // Act
        await clock.advance(50);
        ac.abort(new Error('stop b'));
        await clock.runAll();

        // Assess
        await b;
        expect(done).toEqual([['a', 0], ['c', 100]]);
      });
    });

    describe('SAD PATH', () => {
      it('rejects at once with the reason when the signal is already aborted, using no token', async () => {
        // Prepare
        const clock = new FakeClock();
        const bucket = new TokenBucket({ ratePerSec: 1, burst: 1 }, clock);
        const reason = new Error('already stopped');

        // Act + Assess
        await expect(bucket.take(AbortSignal.abort(reason))).rejects.toBe(reason);
        expect(bucket.tryTake()).toBe(0);
      });

      it('cancels its sleep when every waiter gives up, leaving no timer', async () => {
        // Prepare
        const clock = new FakeClock();
        const bucket = new TokenBucket({ ratePerSec: 1, burst: 1 }, clock);
        const ac = new AbortController();
        await bucket.take();
        const waiting = bucket.take(ac.signal);
        await clock.advance(10);
        expect(clock.pending()).toBe(1);

        // Act
        ac.abort(new Error('bye'));

        // Assess
        await expect(waiting).rejects.toThrow('bye');
        await clock.advance(0);
        expect(clock.pending()).toBe(0);
      });
    });
  });

  describe('Method: tryTake', () => {
    describe('HAPPY PATH', () => {
      it('returns 0 while tokens last, then the ms until the next one', async () => {
        // Prepare
        const clock = new FakeClock();
        const bucket = new TokenBucket({ ratePerSec: 10, burst: 2 }, clock);

        // Act + Assess
        expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([0, 0, 100]);
        await clock.advance(30);
        expect(bucket.tryTake()).toBe(70);
        await clock.advance(70);
        expect(bucket.tryTake()).toBe(0);
      });

      it('counts queued waiters instead of jumping the queue', async () => {
        // Prepare
        const clock = new FakeClock();
        const bucket = new TokenBucket({ ratePerSec: 10, burst: 1 }, clock);
        startTakes(bucket, clock, 3); // one served now, two waiting

        // Act
        await clock.advance(0);
        const wait = bucket.tryTake();

        // Assess: tokens for the two waiters first (200 ms), then ours (300 ms)
        expect(wait).toBe(300);
      });
    });
  });

  describe('Constructor', () => {
    describe('SAD PATH', () => {
      it.each([
        { name: 'zero rate', opts: { ratePerSec: 0 }, msg: /ratePerSec/ },
        { name: 'infinite rate', opts: { ratePerSec: Number.POSITIVE_INFINITY }, msg: /ratePerSec/ },
        { name: 'burst below 1', opts: { ratePerSec: 5, burst: 0.5 }, msg: /burst/ },
      ])('throws RangeError for $name', ({ opts, msg }) => {
        expect(() => new TokenBucket(opts, new FakeClock())).toThrow(msg);
      });
    });
  });
});
