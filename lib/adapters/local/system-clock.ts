import type { Clock } from '../../core/ports.ts';

/** One pending sleep: its timer and how to reject it. */
interface Sleeper {
  timer: NodeJS.Timeout;
  reject: (reason: unknown) => void;
}

/**
 * Sleepers per signal. A run's stop signal lives for the whole run and thousands of sleeps may wait on
 * it at once (virtual users, cleanup waits, a rate's pacing); adding and removing an abort listener per
 * sleep would make every sleep pay for all the others. Instead each signal gets one listener, which
 * rejects every sleeper registered under it.
 */
const sleepers = new WeakMap<AbortSignal, Set<Sleeper>>();

function sleepersOf(signal: AbortSignal): Set<Sleeper> {
  let set = sleepers.get(signal);
  if (!set) {
    const pending = new Set<Sleeper>();
    set = pending;
    sleepers.set(signal, pending);
    signal.addEventListener(
      'abort',
      () => {
        for (const sleeper of pending) {
          clearTimeout(sleeper.timer);
          sleeper.reject(signal.reason);
        }
        pending.clear();
      },
      { once: true },
    );
  }
  return set;
}

/**
 * Node's global `performance` is a lazy getter (a JS call on every read of the global), and its
 * `timeOrigin` another getter: the engine reads the clock several times per request, so both are
 * read once here. `timeOrigin` is fixed for the life of a thread, and this module loads per thread.
 */
const { performance: perf } = globalThis;
const ORIGIN = perf.timeOrigin;

/**
 * `systemClock` is the real `Clock`: epoch milliseconds with sub-millisecond precision
 * (`performance.timeOrigin + performance.now()`), and sleeps on Node timers. A sleep rejects with the
 * signal's reason when the signal aborts, as `FakeClock` does.
 */
export const systemClock: Clock = {
  now(): number {
    return ORIGIN + perf.now();
  },

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      if (!signal) {
        setTimeout(resolve, ms);
        return;
      }
      const set = sleepersOf(signal);
      const sleeper: Sleeper = {
        timer: setTimeout(() => {
          set.delete(sleeper);
          resolve();
        }, ms),
        reject,
      };
      set.add(sleeper);
    });
  },
};
