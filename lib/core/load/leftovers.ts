import type { Cursor } from '../engine/cursor.ts';
import { runLifecycle } from '../engine/interpreter.ts';
import type { LifecycleEnv } from '../engine/lifecycle-env.ts';

/*
 * What the load models share about the lifecycles a unit does not finish itself: starts dropped (a
 * stop, an in-flight cap), lifecycles parked with a cursor, and the starts left for a continuation.
 */

/** What an open-model unit left after a park: parked lifecycles, and the unit for the starts not made. */
export interface OpenLeft<U> {
  readonly parked: Cursor[];
  /** The rest of the unit (same unitId: the caller names it), when a park left starts to make. */
  readonly next?: U | undefined;
}

/** Runs parked lifecycles concurrently, each from its own cursor, to the end. */
export async function runCursors(cursors: readonly Cursor[], env: LifecycleEnv): Promise<Cursor[]> {
  const statuses = await Promise.all(cursors.map((cursor) => runLifecycle(cursor, env)));
  return statuses.flatMap((status) => (status.done ? [] : [status.cursor]));
}

/** Records lifecycles that were never started (a stop, or an open-model start over the in-flight cap). */
export function recordDropped(indices: Iterable<number>, env: LifecycleEnv, reason: string): void {
  for (const index of indices) {
    const key = env.payloads.keyOf(index);
    env.recorder.recordLifecycle({ outcome: 'dropped', index, key, terminal: true, reason });
    env.events.write({ at: env.clock.now(), unitId: env.unitId, index, key, type: 'dropped', reason });
    if (env.progress) {
      env.progress.lifecycles++;
      env.progress.started++;
    }
  }
}

/** The stop's reason, as a short text. */
export function stopReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : String(reason ?? 'stop requested');
}

/** The numbers `from` .. `to - 1`. */
export function indexRange(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}
