import type { Cursor } from './cursor.ts';
import type { LifecycleEnv } from './interpreter.ts';
import type { Requester, RequestOutcome } from './request-executor.ts';

/**
 * The steps of a lifecycle that are more than a line and need no waiting: applying a response, and
 * naming a failure. Kept apart so the interpreter's machine reads as the instruction set.
 */

/** The request part of an instruction, as `applyResponse` needs it. */
type ResponseRules = { captures: ReadonlyArray<readonly [string, (root: unknown) => unknown, string]>; state: string | undefined };

/** Applies a successful response: its captures into the vars, and its entity state (recorded as a transition). */
export function applyResponse(cursor: Cursor, req: ResponseRules, json: unknown, env: LifecycleEnv, who: Requester): void {
  for (const [name, get] of req.captures) cursor.vars[name] = get(json) as Cursor['vars'][string];
  if (req.state !== undefined && req.state !== cursor.state) {
    env.recorder.recordTransition(cursor.state, req.state);
    env.events.write({ at: env.clock.now(), unitId: who.unitId, index: who.index, key: who.key, type: 'transition', from: cursor.state ?? 'start', to: req.state });
    cursor.state = req.state;
  }
}

/**
 * A failed request as a short reason: `create: http5xx 503`, `hit: connect ECONNREFUSED 127.0.0.1:1`.
 * Its parts are few per run (request names, kinds, statuses, the transport's code and address), so
 * reasons stay a small set of report keys. A request refused before it was sent keeps its message,
 * which says which header (`create: invalid-request: header x-id holds CR (U+000D) (not sent)`): the
 * plan has to be fixed, and the kind alone would not say where.
 */
export function describeFailure(name: string, outcome: Extract<RequestOutcome, { ok: false }>): string {
  if (outcome.errorKind === 'invalid-request') return outcome.message;
  return `${name}: ${failureCause(outcome)}`;
}

/** What went wrong, without the request's name: `http5xx 503`, `connect ECONNREFUSED 127.0.0.1:1`. */
export function failureCause(outcome: { readonly errorKind: string; readonly status?: number | undefined; readonly detail?: string | undefined }): string {
  const status = outcome.status !== undefined ? ` ${outcome.status}` : '';
  return `${outcome.errorKind}${status}${outcome.detail !== undefined ? ` ${outcome.detail}` : ''}`;
}
