import { Rng } from '../rng.ts';
import type { Cursor } from '../engine/cursor.ts';
import type { EventSink } from '../ports.ts';
import { runLifecycle, startCursor } from '../engine/interpreter.ts';
import type { LifecycleEnv } from '../engine/lifecycle-env.ts';
import type { BatchUnit } from '../units.ts';
import { sleepOrPark } from '../engine/sleep.ts';
import { recordDropped, stopReason } from './leftovers.ts';

/** Pacing of the items of a batch. */
export interface BatchPacing {
  readonly itemIntervalMs: number;
  readonly itemJitter: number;
}

/** What a batch left: parked lifecycles (deferred cleanups, parked sleeps) and the items not started. */
export interface BatchLeft {
  readonly parked: Cursor[];
  /** Indices not started because of a park (in order), for a continuation batch; never recorded here. */
  readonly rest: number[];
}

/**
 * Runs one batch: its lifecycles one after the other (the `batches` model), with the plan's interval
 * between items. Cleanups are deferred (`env.deferCleanup`), so a long `beforeEnd` wait never holds
 * the batch; their cursors are returned for the caller to continue, or, with `onParked`, handed to it
 * one by one as they park (a caller in the same process resumes each at once, so a batch's cursors
 * never pile up). After a stop, the items not yet started are recorded as dropped, each with the
 * stop's reason. After a park (`env.park`), they are returned as `rest` instead: another invocation
 * runs them, so planned = recorded + rest + parked. A lifecycle starts only once the event sink has
 * caught up (`eventsCaughtUp`): a batch runs no faster than its events reach the disk.
 */
export async function runBatch(unit: BatchUnit, env: LifecycleEnv, pacing: BatchPacing, onParked?: (cursor: Cursor) => void): Promise<BatchLeft> {
  const parked: Cursor[] = [];
  let rest: number[] = [];
  const rng = Rng.derive(env.seed, 'batch', unit.unitId);
  const startedAt = env.clock.now();
  for (let k = 0; k < unit.indices.length; k++) {
    if (k > 0 && pacing.itemIntervalMs > 0 && !env.stop.aborted && !env.park?.aborted) {
      const ms = pacing.itemIntervalMs * (1 - pacing.itemJitter + 2 * pacing.itemJitter * rng.float());
      await sleepOrPark(env.clock, ms, env.stop, env.park);
    }
    // Once per start, so a sink that stays behind (a failed one) slows nothing down for ever.
    if (isBehind(env.events)) await eventsCaughtUp(env.events);
    if (env.stop.aborted) {
      dropRest(unit.indices.slice(k), env);
      break;
    }
    if (env.park?.aborted) {
      rest = unit.indices.slice(k);
      break;
    }
    if (env.progress) env.progress.started++;
    const status = await runLifecycle(startCursor(env.seed, unit.indices[k] as number), env);
    if (!status.done) {
      if (onParked) onParked(status.cursor);
      else parked.push(status.cursor);
    }
  }
  // A batch cut by a park is timed once, by the continuation that runs its last item.
  if (rest.length === 0) env.recorder.recordBatch(env.clock.now() - startedAt);
  return { parked, rest };
}

/**
 * An event sink that can say its output is behind, as the CSV sink does (`needsDrain` while the file
 * stream holds more than its high-water mark, `drained()` once it has written it). The `EventSink`
 * port does not require it; a sink without it is never waited for.
 */
export interface BackpressuredSink {
  readonly needsDrain: boolean;
  drained(): Promise<void>;
}

function isBehind(events: EventSink): boolean {
  const flow = events as Partial<BackpressuredSink>;
  return flow.needsDrain === true && typeof flow.drained === 'function';
}

/** One wait per sink, however many batches wait on it (one listener on the stream, not one per batch). */
const catchingUp = new WeakMap<EventSink, Promise<void>>();

/**
 * Resolves once `events` has caught up (at once when it is not behind). A sink that failed is not
 * waited for: it reports its failure when it is closed.
 */
export function eventsCaughtUp(events: EventSink): Promise<void> {
  if (!isBehind(events)) return Promise.resolve();
  let wait = catchingUp.get(events);
  if (!wait) {
    wait = (events as EventSink & BackpressuredSink)
      .drained()
      .catch(() => undefined)
      .finally(() => catchingUp.delete(events));
    catchingUp.set(events, wait);
  }
  return wait;
}

function dropRest(indices: readonly number[], env: LifecycleEnv): void {
  recordDropped(indices, env, `stopped: ${stopReason(env.stop)}`);
}
