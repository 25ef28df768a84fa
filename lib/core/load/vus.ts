import type { Cursor } from '../engine/cursor.ts';
import { startCursor, startLifecycle } from '../engine/interpreter.ts';
import type { LifecycleEnv, LifecycleStatus } from '../engine/lifecycle-env.ts';
import { sleepOrPark } from '../engine/sleep.ts';
import type { VusUnit } from '../units.ts';
import { indexRange, type OpenLeft } from './leftovers.ts';

/**
 * Runs virtual users (closed model): each loops the lifecycle, one after another, until the duration
 * ends; a lifecycle running at the deadline finishes (graceful stop), none starts after it. User u's
 * i-th lifecycle is number `i * totalVus + u`, so numbers are unique across every unit of the run;
 * users start at iteration `firstIteration` (a continuation's). After a park the users stop looping:
 * `next` (while the deadline has not passed) goes on from the iteration after the highest one started.
 *
 * Each user starts its next lifecycle from the previous one's end callback (`startLifecycle`, no
 * promise per lifecycle); one that ended without waiting on anything hands over through a microtask,
 * as an awaited lifecycle would, so users still take turns and the stack never grows.
 */
export async function runVus(unit: VusUnit, env: LifecycleEnv): Promise<OpenLeft<VusUnit>> {
  const deadline = unit.startAt + unit.durationMs;
  const first = unit.firstIteration ?? 0;
  const parked: Cursor[] = [];
  let highest = first - 1;
  const user = async (u: number): Promise<void> => {
    if ((await sleepOrPark(env.clock, unit.startAt - env.clock.now(), env.stop, env.park)) !== 'slept') return;
    await new Promise<void>((resolve, reject) => {
      let i = first;
      let starting = false;
      let endedEarly = false;
      const next = (): void => {
        if (!(env.clock.now() < deadline && !env.stop.aborted && !env.park?.aborted)) {
          resolve();
          return;
        }
        if (env.progress) env.progress.started++;
        highest = Math.max(highest, i);
        const index = i++ * unit.totalVus + u;
        starting = true;
        endedEarly = false;
        startLifecycle(startCursor(env.seed, index), env, onEnd, reject);
        starting = false;
        if (endedEarly) queueMicrotask(next);
      };
      const onEnd = (status: LifecycleStatus): void => {
        if (!status.done) parked.push(status.cursor);
        if (starting) endedEarly = true;
        else next();
      };
      next();
    });
  };
  await Promise.all(indexRange(unit.firstVu, unit.firstVu + unit.vus).map(user));
  const resume = env.park?.aborted === true && !env.stop.aborted && env.clock.now() < deadline;
  return { parked, next: resume ? { ...unit, firstIteration: highest + 1 } : undefined };
}
