import type { Clock } from '../../core/ports.ts';

/** One pending sleep: its timer and how to reject it. */
interface Sleeper {
  /** The timer pending now (a long sleep is a chain of timers). */
  timer: NodeJS.Timeout | undefined;
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
 * The longest delay one Node timer takes: `setTimeout` stores it as a signed 32-bit integer, and a
 * longer one (2^31 ms, about 24.8 days, or more) fires after 1 ms instead, with a warning.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `done` once `ms` have passed, in timers of at most `MAX_TIMER_MS` each, so a delay past the
 * timer range still waits its whole length. `onTimer` is given each timer as it is set (to clear it).
 */
function chainTimers(ms: number, done: () => void, onTimer?: (timer: NodeJS.Timeout) => void): NodeJS.Timeout {
  const step = Math.min(ms, MAX_TIMER_MS);
  const timer = setTimeout(ms > MAX_TIMER_MS ? () => chainTimers(ms - MAX_TIMER_MS, done, onTimer) : done, step);
  onTimer?.(timer);
  return timer;
}

/**
 * `systemClock` is the real `Clock`: epoch milliseconds with sub-millisecond precision
 * (`performance.timeOrigin + performance.now()`), and sleeps on Node timers, chained when a sleep is
 * longer than one timer can wait (`MAX_TIMER_MS`). A sleep rejects with the signal's reason when the
 * signal aborts, as `FakeClock` does.
 */
export const systemClock: Clock = {
  now(): number {
    return ORIGIN + perf.now();
  },

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      if (!signal) {
        chainTimers(ms, resolve);
        return;
      }
      const set = sleepersOf(signal);
      const sleeper: Sleeper = { timer: undefined, reject };
      // Each timer of a chain replaces the last in `sleeper`, so an abort clears the one pending.
      chainTimers(
        ms,
        () => {
          set.delete(sleeper);
          resolve();
        },
        (timer) => (sleeper.timer = timer),
      );
      set.add(sleeper);
    });
  },
};
