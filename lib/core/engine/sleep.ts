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
