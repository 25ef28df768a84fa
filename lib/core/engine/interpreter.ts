import type { Clock, EventSink } from '../ports.ts';
import type { Payload, PayloadSource } from '../payloads.ts';
import type { Recorder } from '../recorder/recorder.ts';
import { Rng } from '../rng.ts';
import type { TemplateContext } from '../plan/template.ts';
import type { Cursor } from './cursor.ts';
import type { Instr, Program } from './program.ts';
import { NOT_RELEASED, type ExecuteOptions, type RequestExecutor, type RequestOutcome } from './request-executor.ts';
import type { TracePropagation } from './trace-headers.ts';
import { sleepOrStop } from './sleep.ts';

/** Everything a lifecycle needs to run, shared by the lifecycles of one unit. */
export interface LifecycleEnv {
  readonly program: Program;
  readonly payloads: Pick<PayloadSource, 'get' | 'keyOf'>;
  readonly runId: string;
  readonly unitId: string;
  readonly seed: number;
  readonly clock: Clock;
  readonly executor: RequestExecutor;
  readonly recorder: Recorder;
  readonly events: EventSink;
  /** Entity states that end a lifecycle's entity; undefined = no entity tracking. */
  readonly terminal: ReadonlySet<string> | undefined;
  /** Soft stop: start nothing new, abort bodies, expedite cleanup waits. */
  readonly stop: AbortSignal;
  /** Hard stop: abort everything, cleanup included. */
  readonly kill: AbortSignal;
  /**
   * When true, a lifecycle whose body has ended returns its cursor instead of running the cleanup
   * inline, so the caller can run the cleanup off the batch's sequential path (or later, elsewhere).
   */
  readonly deferCleanup: boolean;
  /** Gives each lifecycle its trace when the plan propagates trace context. */
  readonly propagation?: TracePropagation | undefined;
  /** Values captured by the plan's setup steps: every lifecycle (and verify) starts with them. */
  readonly sharedVars?: Readonly<Record<string, unknown>> | undefined;
  /** Record each lifecycle's actual first send time (the burst model's start skew). */
  readonly measureStarts?: boolean | undefined;
  /** Holds each lifecycle's first request until it resolves (a burst's common start); see ExecuteOptions.gate. */
  readonly gate?: Promise<boolean> | undefined;
  /** The load phase this lifecycle runs in (`phases` model), for per-phase figures. */
  readonly phase?: string | undefined;
  /** A setup or verify run: its requests are recorded, its outcome is not a lifecycle of the load. */
  readonly system?: boolean;
  /** Live counters for progress displays: lifecycles started, and finished (cleanup included). */
  readonly progress?: { lifecycles: number; started: number } | undefined;
}

/** The end of a `runLifecycle` call: finished (recorded), or parked with a cursor to resume. */
export type LifecycleStatus =
  | { readonly done: true; readonly vars: Readonly<Cursor['vars']>; readonly failure?: string | undefined }
  | { readonly done: false; readonly cursor: Cursor };

/**
 * A fresh cursor for payload `index`. Its RNG stream is derived from (seed, index) when first used
 * (an empty `rng` state means "not drawn from yet"), so lifecycles that draw nothing pay nothing.
 */
export function startCursor(_seed: number, index: number): Cursor {
  return { index, pc: 0, phase: 'body', vars: {}, rng: [] };
}

/**
 * Runs a lifecycle from its cursor until it finishes or parks. Never throws for target behaviour:
 * failed requests fail the lifecycle (whose armed cleanup still runs) and are recorded.
 */
export async function runLifecycle(start: Cursor, env: LifecycleEnv): Promise<LifecycleStatus> {
  const fresh = start.pc === 0 && start.phase === 'body';
  const cursor: Cursor = { ...start, vars: fresh && env.sharedVars ? { ...(env.sharedVars as Cursor['vars']), ...start.vars } : { ...start.vars } };
  const rng = cursor.rng.length > 0 ? Rng.fromState(cursor.rng) : Rng.deferred(env.seed, 'lifecycle', cursor.index);
  const payload = env.payloads.get(cursor.index);
  const key = env.payloads.keyOf(cursor.index, payload);
  const who = { unitId: env.unitId, index: cursor.index, key, recorder: env.recorder, phase: env.phase, trace: env.propagation?.traceFor(cursor.index) };

  if (cursor.wakeAt !== undefined) {
    await sleepUnlessStopped(env, cursor.wakeAt - env.clock.now());
    delete cursor.wakeAt;
  }

  for (;;) {
    const instr = env.program.instrs[cursor.pc] as Instr;
    const inCleanup = cursor.phase === 'cleanup';
    // Bodies stop on the soft stop; cleanup only on the hard one, so created entities still end.
    const signal = inCleanup ? env.kill : env.stop;
    let failure: string | undefined;
    switch (instr.op) {
      case 'request': {
        const outcome = await env.executor.execute(instr.req, contextOf(payload, cursor, env, rng), who, rng, { signal, inflight: env.kill, force: inCleanup, ...takeStart(cursor, env) });
        if (!outcome.ok && outcome.message === NOT_RELEASED) return finish(cursor, env, key, `stopped: ${NOT_RELEASED}`, 'dropped');
        if (outcome.ok) {
          applyResponse(cursor, instr.req, outcome.json, env, who);
          cursor.pc++;
        } else failure = describeFailure(instr.req.name, outcome);
        break;
      }
      case 'poll':
        failure = await runPoll(instr, cursor, env, rng, payload, who, signal);
        break;
      case 'wait': {
        const ms = instr.sample(rng);
        if (inCleanup) await sleepUnlessStopped(env, ms);
        else if (!(await sleepOrStop(env.clock, ms, signal))) failure = 'stopped';
        if (failure === undefined) cursor.pc++;
        break;
      }
      case 'switch': {
        const value = instr.get({ payload, vars: cursor.vars });
        cursor.pc = instr.cases.get(String(value)) ?? instr.otherwise;
        break;
      }
      case 'weighted':
        cursor.pc = instr.targets[rng.pickIndex(instr.weights)] as number;
        break;
      case 'chance':
        cursor.pc = rng.float() < instr.p ? instr.then : instr.else;
        break;
      case 'jump':
        cursor.pc = instr.to;
        break;
      case 'arm':
        cursor.armed = instr.cleanup;
        cursor.pc++;
        break;
      case 'end':
      case 'endCleanup':
        break;
    }
    if (failure !== undefined && inCleanup) {
      return finish(cursor, env, key, `cleanup ${failure}`);
    }
    if (failure !== undefined || instr.op === 'end') {
      if (failure !== undefined) cursor.failure = env.stop.aborted && failure.endsWith('aborted') ? 'stopped' : failure;
      if (cursor.armed === undefined) return finish(cursor, env, key, cursor.failure);
      cursor.phase = 'cleanup';
      cursor.pc = cursor.armed;
      delete cursor.armed;
      if (env.deferCleanup) {
        // A leading cleanup wait (beforeCancel, beforeEnd) counts from now, the end of the body, not
        // from whenever the caller resumes the cursor (after the rest of the batch): park it as wakeAt.
        const first = env.program.instrs[cursor.pc] as Instr;
        if (first.op === 'wait') {
          cursor.wakeAt = env.clock.now() + first.sample(rng);
          cursor.pc++;
        }
        return { done: false, cursor: { ...cursor, rng: rng.state() } };
      }
      continue;
    }
    if (instr.op === 'endCleanup') return finish(cursor, env, key, cursor.failure);
  }
}

function applyResponse(cursor: Cursor, req: { captures: ReadonlyArray<readonly [string, (root: unknown) => unknown, string]>; state: string | undefined }, json: unknown, env: LifecycleEnv, who: { unitId: string; index: number; key: string }): void {
  for (const [name, get] of req.captures) cursor.vars[name] = get(json) as Cursor['vars'][string];
  if (req.state !== undefined && req.state !== cursor.state) {
    env.recorder.recordTransition(cursor.state, req.state);
    env.events.write({ at: env.clock.now(), unitId: who.unitId, index: who.index, key: who.key, type: 'transition', from: cursor.state ?? 'start', to: req.state });
    cursor.state = req.state;
  }
}

async function runPoll(
  instr: Extract<Instr, { op: 'poll' }>, cursor: Cursor, env: LifecycleEnv, rng: Rng, payload: Payload,
  who: { unitId: string; index: number; key: string; recorder: Recorder }, signal: AbortSignal,
): Promise<string | undefined> {
  const startedAt = cursor.pollStartedAt ?? env.clock.now();
  let attempt = cursor.pollAttempt ?? 0;
  for (;;) {
    attempt++;
    const outcome = await env.executor.execute(instr.req, contextOf(payload, cursor, env, rng), who, rng, { signal, inflight: env.kill, force: cursor.phase === 'cleanup', ...takeStart(cursor, env) });
    if (outcome.ok && instr.until(outcome.json)) {
      applyResponse(cursor, instr.req, outcome.json, env, who);
      delete cursor.pollAttempt;
      delete cursor.pollStartedAt;
      cursor.pc++;
      return undefined;
    }
    if (!outcome.ok && outcome.errorKind === 'aborted') return describeFailure(instr.req.name, outcome);
    if (attempt >= instr.maxAttempts) return `poll ${instr.req.name}: ${instr.untilText} not met after ${attempt} attempts`;
    let delay = Math.min(instr.maxEveryMs, instr.everyMs * instr.factor ** (attempt - 1));
    if (instr.jitter > 0) delay *= 1 - instr.jitter + 2 * instr.jitter * rng.float();
    if (instr.timeoutMs !== undefined && env.clock.now() + delay - startedAt > instr.timeoutMs) {
      return `poll ${instr.req.name}: ${instr.untilText} not met within ${instr.timeoutMs}ms`;
    }
    if (!(await sleepOrStop(env.clock, delay, signal))) return 'stopped';
  }
}

function describeFailure(name: string, outcome: Extract<RequestOutcome, { ok: false }>): string {
  return `${name}: ${outcome.errorKind}${outcome.status !== undefined ? ` ${outcome.status}` : ''}`;
}

/**
 * Consumes the cursor's intended start (open model, burst) at its first send: records the actual send
 * time for the start-skew figure and returns the intended time, from which that request's latency is
 * measured (no coordinated omission).
 */
/** The template context of a lifecycle's next request (built per request: `now` moves on). */
function contextOf(payload: Payload, cursor: Cursor, env: LifecycleEnv, rng: Rng): TemplateContext {
  return { payload, vars: cursor.vars, index: cursor.index, runId: env.runId, now: env.clock.now(), rng };
}

function takeStart(cursor: Cursor, env: LifecycleEnv): Pick<ExecuteOptions, 'intendedStart' | 'gate' | 'onRelease'> {
  const intended = cursor.startAt;
  if (intended === undefined) return {};
  delete cursor.startAt;
  const record = env.measureStarts ? () => env.recorder.recordStart(env.clock.now()) : undefined;
  if (env.gate) return { intendedStart: intended, gate: env.gate, onRelease: record };
  record?.();
  return { intendedStart: intended };
}

function finish(cursor: Cursor, env: LifecycleEnv, key: string, failure: string | undefined, as?: 'dropped'): LifecycleStatus {
  if (env.system) return { done: true, vars: cursor.vars, failure };
  const terminal = cursor.state === undefined || env.terminal === undefined || env.terminal.has(cursor.state);
  const outcome = as ?? (failure ? 'failed' : 'completed');
  env.recorder.recordLifecycle({ outcome, index: cursor.index, key, state: cursor.state, terminal, reason: failure });
  env.events.write({ at: env.clock.now(), unitId: env.unitId, index: cursor.index, key, type: outcome, to: cursor.state, reason: failure });
  if (env.progress) env.progress.lifecycles++;
  return { done: true, vars: cursor.vars, failure };
}



/** A cleanup wait: cut short by a stop (so cleanup is expedited), never an error. */
async function sleepUnlessStopped(env: LifecycleEnv, ms: number): Promise<void> {
  await sleepOrStop(env.clock, ms, env.stop);
}

export type { Payload };
