import type { Cursor } from '../engine/cursor.ts';
import { runLifecycle, startCursor, type LifecycleEnv } from '../engine/interpreter.ts';
import type { BurstUnit, RateUnit, VusUnit } from '../units.ts';
import { recordDropped, stopReason } from './batches.ts';
import { sleepOrPark, sleepOrStop } from '../engine/sleep.ts';

/** What an open-model unit left after a park: parked lifecycles, and the unit for the starts not made. */
export interface OpenLeft<U> {
  readonly parked: Cursor[];
  /** The rest of the unit (same unitId: the caller names it), when a park left starts to make. */
  readonly next?: U | undefined;
}

/**
 * Runs one worker's share of an open arrival rate. Starts follow the schedule
 * `startAt + jitterMs + k * intervalMs` exactly; the loop wakes once per due start (or once for a group
 * of starts that fell due together, so a late wake-up catches up instead of drifting). A start whose
 * worker already has `maxInFlight` lifecycles running is dropped and counted, never delayed, and each
 * lifecycle carries its intended start so latency is measured from it. After a park (`env.park`) no
 * start is made: `next` carries starts k..count-1 at the same absolute times, and the lifecycles in
 * flight park at their next sleep (or finish) and are returned.
 */
export async function runRate(unit: RateUnit, env: LifecycleEnv): Promise<OpenLeft<RateUnit>> {
  const inFlight = new Set<Promise<unknown>>();
  const parked: Cursor[] = [];
  const due = (k: number): number => unit.startAt + unit.jitterMs + k * unit.intervalMs;
  let k = 0;
  while (k < unit.count) {
    if (env.stop.aborted || env.park?.aborted) break;
    const wait = due(k) - env.clock.now();
    if (wait > 0) {
      if ((await sleepOrPark(env.clock, wait, env.stop, env.park)) !== 'slept') break;
      continue;
    }
    for (const now = env.clock.now(); k < unit.count && due(k) <= now; k++) {
      const index = unit.firstIndex + k;
      if (inFlight.size >= unit.maxInFlight) {
        recordDropped([index], env, 'in-flight cap reached (load.maxInFlight)');
        continue;
      }
      if (env.progress) env.progress.started++;
      const lifecycle = runLifecycle({ ...startCursor(env.seed, index), startAt: due(k) }, env);
      // Only a park parks a rate's lifecycles (cleanups run inline): without one, no extra turn per start.
      const settled = env.park ? lifecycle.then((status) => (status.done ? undefined : parked.push(status.cursor))) : lifecycle;
      const run = settled.finally(() => inFlight.delete(run));
      inFlight.add(run);
    }
  }
  let next: RateUnit | undefined;
  if (k < unit.count) {
    // A stop drops what is left, even when a park came too: the run is ending, nobody would run it.
    if (env.stop.aborted) recordDropped(range(unit.firstIndex + k, unit.firstIndex + unit.count), env, `stopped: ${stopReason(env.stop)}`);
    else next = { ...unit, startAt: unit.startAt + k * unit.intervalMs, firstIndex: unit.firstIndex + k, count: unit.count - k };
  }
  while (inFlight.size > 0) await Promise.all([...inFlight]);
  return { parked, next };
}

/**
 * Runs virtual users (closed model): each loops the lifecycle, one after another, until the duration
 * ends; a lifecycle running at the deadline finishes (graceful stop), none starts after it. User u's
 * i-th lifecycle is number `i * totalVus + u`, so numbers are unique across every unit of the run;
 * users start at iteration `firstIteration` (a continuation's). After a park the users stop looping:
 * `next` (while the deadline has not passed) goes on from the iteration after the highest one started.
 */
export async function runVus(unit: VusUnit, env: LifecycleEnv): Promise<OpenLeft<VusUnit>> {
  const deadline = unit.startAt + unit.durationMs;
  const first = unit.firstIteration ?? 0;
  const parked: Cursor[] = [];
  let highest = first - 1;
  const user = async (u: number): Promise<void> => {
    if ((await sleepOrPark(env.clock, unit.startAt - env.clock.now(), env.stop, env.park)) !== 'slept') return;
    for (let i = first; env.clock.now() < deadline && !env.stop.aborted && !env.park?.aborted; i++) {
      if (env.progress) env.progress.started++;
      highest = Math.max(highest, i);
      const status = await runLifecycle(startCursor(env.seed, i * unit.totalVus + u), env);
      if (!status.done) parked.push(status.cursor);
    }
  };
  await Promise.all(range(unit.firstVu, unit.firstVu + unit.vus).map(user));
  const resume = env.park?.aborted === true && !env.stop.aborted && env.clock.now() < deadline;
  return { parked, next: resume ? { ...unit, firstIteration: highest + 1 } : undefined };
}

/**
 * Runs a burst slice. Every lifecycle is started at once and runs up to its first request, rendered and
 * held behind a gate; at the common absolute start the gate opens and all the requests go out in one
 * turn of the event loop. Preparing before the start (and warming the code while at it) keeps the
 * release short: the report gives the measured skew (latest minus earliest send) across all slices.
 */
export async function runBurst(unit: BurstUnit, env: LifecycleEnv): Promise<Cursor[]> {
  const indices = range(unit.firstIndex, unit.firstIndex + unit.count);
  let open!: (released: boolean) => void;
  const gate = new Promise<boolean>((resolve) => (open = resolve));
  const burstEnv = { ...env, measureStarts: true, gate };
  const runs = indices.map((index) => runLifecycle({ ...startCursor(env.seed, index), startAt: unit.startAt }, burstEnv));
  const released = await sleepOrStop(env.clock, unit.startAt - env.clock.now(), env.stop);
  if (released && env.progress) env.progress.started += indices.length;
  open(released);
  const statuses = await Promise.all(runs);
  return statuses.flatMap((status) => (status.done ? [] : [status.cursor]));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

