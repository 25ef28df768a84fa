import type { Cursor } from '../engine/cursor.ts';
import { startCursor, startLifecycle } from '../engine/interpreter.ts';
import type { LifecycleEnv, LifecycleStatus } from '../engine/lifecycle-env.ts';
import { sleepOrPark } from '../engine/sleep.ts';
import type { RateUnit } from '../units.ts';
import { indexRange, recordDropped, stopReason, type OpenLeft } from './leftovers.ts';
import { intendedStart } from './rate-pacer.ts';

/**
 * Runs one worker's share of an open arrival rate (a unit is its own `RateSchedule`). Start k is made
 * at the pacer's `intendedStart(unit, k)` exactly, never later than due; the loop wakes once per due start (or once for a group
 * of starts that fell due together, so a late wake-up catches up instead of drifting). A start whose
 * worker already has `maxInFlight` lifecycles running is dropped and counted, never delayed, and each
 * lifecycle carries its intended start so latency is measured from it. Until the first start the HTTP
 * client opens up to `maxInFlight` connections to the target (`RequestExecutor.warmTarget`). After a park (`env.park`) no
 * start is made: `next` carries starts k..count-1 at the same absolute times, and the lifecycles in
 * flight park at their next sleep (or finish) and are returned.
 *
 * The lifecycles in flight are a count, each started with `startLifecycle` (no promise per start):
 * its end callback gives back the slot (and keeps a parked cursor), the last one to end wakes the
 * final drain. A lifecycle that faults (a bug, a journal error) fails the unit: no start is made after
 * it, and the unit rejects with its error.
 */
export async function runRate(unit: RateUnit, env: LifecycleEnv): Promise<OpenLeft<RateUnit>> {
  const parked: Cursor[] = [];
  const { startAt, intervalMs, firstIndex, count, maxInFlight } = unit;
  let inFlight = 0;
  let fault: { error: unknown } | undefined;
  let drained: (() => void) | undefined;
  const ended = (): void => {
    if (--inFlight === 0 && drained) drained();
  };
  const onEnd = (status: LifecycleStatus): void => {
    if (!status.done) parked.push(status.cursor);
    ended();
  };
  const onError = (error: unknown): void => {
    fault ??= { error };
    ended();
    drained?.();
  };
  let k = 0;
  // The sockets the starts will need open during the lead before the first one (nothing sent on them),
  // so the first starts do not queue behind connects and meet the in-flight cap; stopped at that start.
  let warming: AbortController | undefined;
  if (intendedStart(unit, 0) > env.clock.now()) {
    warming = new AbortController();
    void env.executor.warmTarget(maxInFlight, warming.signal);
  }
  while (k < count) {
    if (fault) throw fault.error;
    if (env.stop.aborted || env.park?.aborted) break;
    const wait = intendedStart(unit, k) - env.clock.now();
    if (wait > 0) {
      if (env.park === undefined) {
        // `sleepOrPark` without a park, minus its own promise: this sleep is taken once per wake-up.
        try {
          await env.clock.sleep(wait, env.stop);
        } catch {
          break;
        }
      } else if ((await sleepOrPark(env.clock, wait, env.stop, env.park)) !== 'slept') break;
      continue;
    }
    warming?.abort();
    warming = undefined;
    for (const now = env.clock.now(); k < count; k++) {
      const due = intendedStart(unit, k);
      if (due > now) break;
      const index = firstIndex + k;
      if (inFlight >= maxInFlight) {
        recordDropped([index], env, 'in-flight cap reached (load.maxInFlight)');
        continue;
      }
      if (env.progress) env.progress.started++;
      inFlight++;
      startLifecycle(startCursor(env.seed, index, due), env, onEnd, onError);
    }
  }
  warming?.abort();
  let next: RateUnit | undefined;
  if (k < count) {
    // A stop drops what is left, even when a park came too: the run is ending, nobody would run it.
    if (env.stop.aborted) recordDropped(indexRange(firstIndex + k, firstIndex + count), env, `stopped: ${stopReason(env.stop)}`);
    // Starts k.. at the same absolute times: the continuation's start 0 is this unit's start k.
    else next = { ...unit, startAt: startAt + k * intervalMs, firstIndex: firstIndex + k, count: count - k };
  }
  if (inFlight > 0 && !fault) await new Promise<void>((resolve) => (drained = resolve));
  if (fault) throw fault.error;
  return { parked, next };
}
