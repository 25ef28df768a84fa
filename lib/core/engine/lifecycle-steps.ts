import type { Requester } from './call-context.ts';
import type { Cursor } from './cursor.ts';
import type { LifecycleEnv } from './lifecycle-env.ts';

/**
 * The steps of a lifecycle that are more than a line and need no waiting, kept apart so the
 * interpreter's machine reads as the instruction set.
 */

/** The request part of an instruction, as `applyResponse` needs it. */
type ResponseRules = { captures: ReadonlyArray<readonly [string, (root: unknown) => unknown, string]>; state: string | undefined };

/** Applies a successful response: its captures into the vars, and its entity state (recorded as a transition). */
export function applyResponse(cursor: Cursor, req: ResponseRules, json: unknown, env: Pick<LifecycleEnv, 'recorder' | 'events' | 'clock'>, who: Requester): void {
  for (const [name, get] of req.captures) cursor.vars[name] = get(json) as Cursor['vars'][string];
  if (req.state !== undefined && req.state !== cursor.state) {
    env.recorder.recordTransition(cursor.state, req.state);
    env.events.write({ at: env.clock.now(), unitId: who.unitId, index: who.index, key: who.key, type: 'transition', from: cursor.state ?? 'start', to: req.state });
    cursor.state = req.state;
  }
}
