import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock } from '../../lib/core/ports.ts';

/** One pending `sleep`: when it is due, and how to settle it. */
interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/**
 * `FakeClock` is a `Clock` whose time only moves when a test calls `advance` or `runAll`, so timing
 * tests are instant and exact.
 *
 * Between timers it waits one event-loop turn (`setImmediate`), which drains every microtask. That
 * lets code woken by one timer (a `then`, an `await`) run and schedule its next sleep before time
 * moves on, just as it would on a real clock.
 *
 * @example
 * const clock = new FakeClock();
 * const done = clock.sleep(100);
 * await clock.advance(100); // `done` is now resolved and clock.now() === 100
 */
export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers: Timer[] = [];

  constructor(start = 0) {
    this.current = start;
  }

  /** The fake time in ms. */
  now(): number {
    return this.current;
  }

  /** Resolves when the fake time reaches now + ms; rejects with `signal.reason` (and drops the timer) on abort. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as unknown);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.timers.indexOf(timer);
        if (i >= 0) this.timers.splice(i, 1);
        reject(signal?.reason as unknown);
      };
      const timer: Timer = {
        at: this.current + Math.max(0, ms),
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.timers.push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Moves time forward by `ms`, firing due timers in time order (ties in creation order). */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await nextTurn();
    for (let next = this.nextDue(target); next; next = this.nextDue(target)) {
      this.current = next.at;
      next.resolve();
      await nextTurn();
    }
    this.current = target;
    await nextTurn();
  }

  /** How many sleeps are waiting. */
  pending(): number {
    return this.timers.length;
  }

  /** Advances until no timer is left (at most 10,000 timers, to stop runaway loops). */
  async runAll(): Promise<void> {
    for (let i = 0; i < 10_000; i++) {
      await nextTurn();
      const first = this.earliest();
      if (!first) return;
      await this.advance(first.at - this.current);
    }
    throw new Error('FakeClock.runAll: more than 10000 timers; is something sleeping in a loop?');
  }

  /** Removes and returns the earliest timer due at or before `limit`. */
  private nextDue(limit: number): Timer | undefined {
    const first = this.earliest();
    if (!first || first.at > limit) return undefined;
    this.timers.splice(this.timers.indexOf(first), 1);
    return first;
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) {
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}

/** A fake clock that gains 1 ms each time it is read (so every read is its own instant); sleeps as `fake` does. */
export class TickingClock implements Clock {
  private reads = 0;
  constructor(private readonly fake: FakeClock) {}

  now(): number {
    return this.fake.now() + this.reads++;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.fake.sleep(ms, signal);
  }
}
