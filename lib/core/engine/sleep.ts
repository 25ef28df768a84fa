import type { Clock } from '../ports.ts';

/**
 * Sleeps `ms` on `clock`; resolves false (instead of throwing) when `signal` aborts first or already
 * has. Load models and lifecycles treat a stop as a normal way for a wait to end, not as an error.
 */
export async function sleepOrStop(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  if (ms <= 0) return true;
  try {
    await clock.sleep(ms, signal);
    return true;
  } catch {
    return false;
  }
}

/** How a `sleepOrPark` ended: the full time slept, cut short by `cut`, or given up for a park. */
export type Slept = 'slept' | 'cut' | 'parked';

/**
 * Like `sleepOrStop`, with a second signal, `park` (a worker running out of time): a sleep that would
 * start after it fired does not start, and one under way ends at once, both as `parked`, so the caller
 * can checkpoint instead of sleeping. `cut` wins when both fired: a stop keeps its own meaning. A zero
 * sleep is no sleep, so it never parks. Without `park` this is exactly `sleepOrStop`.
 */
export async function sleepOrPark(clock: Clock, ms: number, cut: AbortSignal, park: AbortSignal | undefined): Promise<Slept> {
  if (cut.aborted) return 'cut';
  if (ms <= 0) return 'slept';
  if (park === undefined) {
    try {
      await clock.sleep(ms, cut);
      return 'slept';
    } catch {
      return 'cut';
    }
  }
  if (park.aborted) return 'parked';
  // One controller for both signals, its listeners removed after the sleep: AbortSignal.any would
  // leave a dependent signal on the long-lived run signals for every sleep.
  const either = new AbortController();
  const onAbort = (): void => either.abort();
  cut.addEventListener('abort', onAbort, { once: true });
  park.addEventListener('abort', onAbort, { once: true });
  try {
    await clock.sleep(ms, either.signal);
    return 'slept';
  } catch {
    return cut.aborted ? 'cut' : 'parked';
  } finally {
    cut.removeEventListener('abort', onAbort);
    park.removeEventListener('abort', onAbort);
  }
}
