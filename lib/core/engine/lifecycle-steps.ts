import type { Payload } from '../payloads.ts';
import type { Rng } from '../rng.ts';
import type { TemplateContext } from '../plan/template.ts';
import type { Cursor } from './cursor.ts';
import type { LifecycleEnv } from './interpreter.ts';
import type { Instr } from './program.ts';
import type { ExecuteOptions, Requester, RequestOutcome } from './request-executor.ts';
import { sleepOrPark } from './sleep.ts';

/**
 * The steps of `runLifecycle` that are more than a line: polling, applying a response, resuming a
 * parked sleep. Kept apart so the interpreter's loop reads as the instruction set.
 */

/** Returned by a step that gave up a sleep for a park: the cursor is ready to be checkpointed. */
export const PARKED = Symbol('parked');

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
 * Runs a poll to its end: the condition met (pc advanced), a failure (returned), or a park during a delay
 * between attempts (`PARKED`: pc stays on the poll, `pollAttempt`/`pollStartedAt` keep the attempt count
 * and the timeout's origin, `wakeAt` the instant the delay ends, so resuming continues the same poll).
 */
export async function runPoll(
  instr: Extract<Instr, { op: 'poll' }>, cursor: Cursor, env: LifecycleEnv, rng: Rng, payload: Payload, who: Requester, signal: AbortSignal,
): Promise<string | undefined | typeof PARKED> {
  const startedAt = cursor.pollStartedAt ?? env.clock.now();
  let attempt = cursor.pollAttempt ?? 0;
  // Progress lives in locals while the poll runs; the cursor holds it only while parked.
  delete cursor.pollAttempt;
  delete cursor.pollStartedAt;
  for (;;) {
    attempt++;
    const outcome = await env.executor.execute(instr.req, contextOf(payload, cursor, env, rng), who, rng, { signal, inflight: env.kill, force: cursor.phase === 'cleanup', ...takeStart(cursor, env) });
    if (outcome.ok && instr.until(outcome.json)) {
      applyResponse(cursor, instr.req, outcome.json, env, who);
      cursor.pc++;
      return undefined;
    }
    if (!outcome.ok && outcome.errorKind === 'aborted') return describeFailure(instr.req.name, outcome);
    if (attempt >= instr.maxAttempts) return `poll ${instr.req.name}: ${instr.untilText} not met after ${attempt} attempts`;
    let delay = Math.min(instr.maxEveryMs, instr.everyMs * instr.factor ** (attempt - 1));
    if (instr.jitter > 0) delay *= 1 - instr.jitter + 2 * instr.jitter * rng.float();
    const now = env.clock.now();
    if (instr.timeoutMs !== undefined && now + delay - startedAt > instr.timeoutMs) {
      return `poll ${instr.req.name}: ${instr.untilText} not met within ${instr.timeoutMs}ms`;
    }
    const slept = await sleepOrPark(env.clock, delay, signal, env.park);
    if (slept === 'cut') return 'stopped';
    if (slept === 'parked') {
      cursor.pollAttempt = attempt;
      cursor.pollStartedAt = startedAt;
      cursor.wakeAt = now + delay;
      return PARKED;
    }
  }
}

/**
 * Finishes the sleep of a resumed cursor (`wakeAt`), cut as the sleep it stands for would have been: a
 * body's (wait or poll delay) by the soft stop, failing the body; a cleanup poll delay's by the hard
 * stop, failing the cleanup; a cleanup wait's by the soft stop, expediting the cleanup. A park gives it
 * up again with `wakeAt` unchanged. Returns the failure, if any.
 */
export async function resumeSleep(cursor: Cursor, wakeAt: number, env: LifecycleEnv, instr: Instr): Promise<string | undefined | typeof PARKED> {
  const body = cursor.phase === 'body';
  const polling = instr.op === 'poll' && cursor.pollAttempt !== undefined;
  const slept = await sleepOrPark(env.clock, wakeAt - env.clock.now(), !body && polling ? env.kill : env.stop, env.park);
  if (slept === 'parked') return PARKED;
  delete cursor.wakeAt;
  if (slept === 'cut' && (body || polling)) {
    delete cursor.pollAttempt;
    delete cursor.pollStartedAt;
    return 'stopped';
  }
  return undefined;
}

/** A failed request as a short reason, e.g. `create: http5xx 503`. */
export function describeFailure(name: string, outcome: Extract<RequestOutcome, { ok: false }>): string {
  return `${name}: ${outcome.errorKind}${outcome.status !== undefined ? ` ${outcome.status}` : ''}`;
}

/** The template context of a lifecycle's next request (built per request: `now` moves on). */
export function contextOf(payload: Payload, cursor: Cursor, env: LifecycleEnv, rng: Rng): TemplateContext {
  return { payload, vars: cursor.vars, index: cursor.index, runId: env.runId, now: env.clock.now(), rng };
}

/**
 * Consumes the cursor's intended start (open model, burst) at its first send: records the actual send
 * time for the start-skew figure and returns the intended time, from which that request's latency is
 * measured (no coordinated omission).
 */
export function takeStart(cursor: Cursor, env: LifecycleEnv): Pick<ExecuteOptions, 'intendedStart' | 'gate' | 'onRelease'> {
  const intended = cursor.startAt;
  if (intended === undefined) return {};
  delete cursor.startAt;
  const record = env.measureStarts ? () => env.recorder.recordStart(env.clock.now()) : undefined;
  if (env.gate) return { intendedStart: intended, gate: env.gate, onRelease: record };
  record?.();
  return { intendedStart: intended };
}
