import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../core/ports.ts';

/**
 * `systemClock` is the real `Clock`: epoch milliseconds with sub-millisecond precision, and sleeps on
 * Node timers.
 *
 * `now()` is `performance.timeOrigin + performance.now()` rather than `Date.now()`: it is monotonic
 * within the process (a wall-clock step from NTP does not make latencies negative) and fractional.
 * Sleeps are not `unref`ed on purpose: a pending sleep is work the process must wait for.
 */
export const systemClock: Clock = {
  now(): number {
    return performance.timeOrigin + performance.now();
  },

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    try {
      await sleep(ms, undefined, signal ? { signal } : undefined);
    } catch (err) {
      // node:timers/promises rejects with its own AbortError (reason in `cause`); the port promises
      // the signal's reason itself, as FakeClock does.
      if (signal?.aborted) throw signal.reason;
      throw err;
    }
  },
};
