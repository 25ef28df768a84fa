import type { Cursor } from '../engine/cursor.ts';
import { runLifecycle, startCursor, type LifecycleEnv } from '../engine/interpreter.ts';
import type { BurstUnit, RateUnit, VusUnit } from '../units.ts';
import { recordDropped, stopReason } from './batches.ts';
import { sleepOrStop } from '../engine/sleep.ts';

/**
 * Runs one worker's share of an open arrival rate. Starts follow the schedule
 * `startAt + jitterMs + k * intervalMs` exactly; the loop wakes once per due start (or once for a group
 * of starts that fell due together, so a late wake-up catches up instead of drifting). A start whose
 * worker already has `maxInFlight` lifecycles running is dropped and counted, never delayed, and each
 * lifecycle carries its intended start so latency is measured from it.
 */
export async function runRate(unit: RateUnit, env: LifecycleEnv): Promise<void> {
  const inFlight = new Set<Promise<unknown>>();
  const due = (k: number): number => unit.startAt + unit.jitterMs + k * unit.intervalMs;
  let k = 0;
  while (k < unit.count) {
    if (env.stop.aborted) break;
    const wait = due(k) - env.clock.now();
    if (wait > 0) {
      if (!(await sleepOrStop(env.clock, wait, env.stop))) break;
      continue;
    }
    for (const now = env.clock.now(); k < unit.count && due(k) <= now; k++) {
      const index = unit.firstIndex + k;
      if (inFlight.size >= unit.maxInFlight) {
        recordDropped([index], env, 'in-flight cap reached (load.maxInFlight)');
        continue;
      }
      if (env.progress) env.progress.started++;
      const run = runLifecycle({ ...startCursor(env.seed, index), startAt: due(k) }, env).finally(() => inFlight.delete(run));
      inFlight.add(run);
    }
  }
  if (k < unit.count) recordDropped(range(unit.firstIndex + k, unit.firstIndex + unit.count), env, `stopped: ${stopReason(env.stop)}`);
  while (inFlight.size > 0) await Promise.all([...inFlight]);
}

/**
 * Runs virtual users (closed model): each loops the lifecycle, one after another, until the duration
 * ends; a lifecycle running at the deadline finishes (graceful stop), none starts after it. User u's
 * i-th lifecycle is number `i * totalVus + u`, so numbers are unique across every unit of the run.
 */
export async function runVus(unit: VusUnit, env: LifecycleEnv): Promise<void> {
  const deadline = unit.startAt + unit.durationMs;
  const user = async (u: number): Promise<void> => {
    if (!(await sleepOrStop(env.clock, unit.startAt - env.clock.now(), env.stop))) return;
    for (let i = 0; env.clock.now() < deadline && !env.stop.aborted; i++) {
      if (env.progress) env.progress.started++;
      await runLifecycle(startCursor(env.seed, i * unit.totalVus + u), env);
    }
  };
  await Promise.all(range(unit.firstVu, unit.firstVu + unit.vus).map(user));
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

