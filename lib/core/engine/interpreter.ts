import type { Clock, EventSink } from '../ports.ts';
import type { Payload, PayloadSource } from '../payloads.ts';
import type { Recorder } from '../recorder/recorder.ts';
import type { LifecycleRecord } from '../recorder/types.ts';
import { Rng } from '../rng.ts';
import type { Cursor } from './cursor.ts';
import type { LifecycleJournal } from './journal.ts';
import { applyResponse, contextOf, describeFailure, PARKED, resumeSleep, runPoll, takeStart } from './lifecycle-steps.ts';
import type { Instr, Program } from './program.ts';
import { NOT_RELEASED, type RequestExecutor } from './request-executor.ts';
import type { TracePropagation } from './trace-headers.ts';
import { sleepOrPark } from './sleep.ts';

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
  /**
   * A worker running out of time (Lambda): lifecycles stop sleeping and return their cursors (with
   * `wakeAt`, the instant they would have woken) for another invocation to resume. Requests in flight
   * are never cut by it.
   */
  readonly park?: AbortSignal | undefined;
  /** Durable record of each lifecycle (plans that track an entity); unused by setup and verify runs. */
  readonly journal?: LifecycleJournal | undefined;
}

/**
 * The end of a `runLifecycle` call: finished (recorded), abandoned (the journal refused a write: another
 * worker moved the lifecycle, so nothing is recorded here), or parked with a cursor to resume.
 */
export type LifecycleStatus =
  | { readonly done: true; readonly vars: Readonly<Cursor['vars']>; readonly failure?: string | undefined; readonly abandoned?: true }
  | { readonly done: false; readonly cursor: Cursor };

/**
 * A fresh cursor for payload `index`. Its RNG stream is derived from (seed, index) when first used
 * (an empty `rng` state means "not drawn from yet"), so lifecycles that draw nothing pay nothing.
 */
export function startCursor(_seed: number, index: number): Cursor {
  return { index, pc: 0, phase: 'body', vars: {}, rng: [] };
}

/** One running lifecycle, as its ends (finish, park, abandon) need it. */
interface Live {
  readonly cursor: Cursor;
  readonly env: LifecycleEnv;
  readonly rng: Rng;
  readonly key: string;
  /** `env.journal`, unless this is a setup or verify run. */
  readonly journal: LifecycleJournal | undefined;
}

/**
 * Runs a lifecycle from its cursor until it finishes or parks. Never throws for target behaviour:
 * failed requests fail the lifecycle (whose armed cleanup still runs) and are recorded. It parks on a
 * deferred cleanup (`env.deferCleanup`) or, once `env.park` fires, at its next sleep; a parked cursor
 * resumed here continues exactly where it stopped (vars, state, generator, armed cleanup, poll
 * progress, wake instant). With `env.journal`, it journals its start, transitions, park and finish,
 * and is abandoned (recording nothing) as soon as the journal refuses a write.
 */
export async function runLifecycle(start: Cursor, env: LifecycleEnv): Promise<LifecycleStatus> {
  const fresh = start.pc === 0 && start.phase === 'body';
  const cursor: Cursor = { ...start, vars: fresh && env.sharedVars ? { ...(env.sharedVars as Cursor['vars']), ...start.vars } : { ...start.vars } };
  const rng = cursor.rng.length > 0 ? Rng.fromState(cursor.rng) : Rng.deferred(env.seed, 'lifecycle', cursor.index);
  const payload = env.payloads.get(cursor.index);
  const key = env.payloads.keyOf(cursor.index, payload);
  const who = { unitId: env.unitId, index: cursor.index, key, recorder: env.recorder, phase: env.phase, trace: env.propagation?.traceFor(cursor.index) };
  const journal = env.system ? undefined : env.journal;
  const live: Live = { cursor, env, rng, key, journal };
  // Without a journal nothing below awaits more than before: every journal step is behind `journal !== undefined`.
  if (journal !== undefined && fresh && cursor.seq === undefined && !(await journal.started(cursor, key))) return abandon(cursor);

  for (;;) {
    const instr = env.program.instrs[cursor.pc] as Instr;
    const inCleanup = cursor.phase === 'cleanup';
    // Bodies stop on the soft stop; cleanup only on the hard one, so created entities still end.
    const signal = inCleanup ? env.kill : env.stop;
    const stateBefore = cursor.state;
    let failure: string | undefined;
    if (cursor.wakeAt !== undefined) {
      const woke = await resumeSleep(cursor, cursor.wakeAt, env, instr);
      if (woke === PARKED) return park(live);
      failure = woke;
    }
    if (failure === undefined) {
      switch (instr.op) {
        case 'request': {
          const outcome = await env.executor.execute(instr.req, contextOf(payload, cursor, env, rng), who, rng, { signal, inflight: env.kill, force: inCleanup, ...takeStart(cursor, env) });
          if (!outcome.ok && outcome.message === NOT_RELEASED) return finish(live, `stopped: ${NOT_RELEASED}`, 'dropped');
          if (outcome.ok) {
            applyResponse(cursor, instr.req, outcome.json, env, who);
            cursor.pc++;
          } else failure = describeFailure(instr.req.name, outcome);
          break;
        }
        case 'poll': {
          const ended = await runPoll(instr, cursor, env, rng, payload, who, signal);
          if (ended === PARKED) return park(live);
          failure = ended;
          break;
        }
        case 'wait': {
          const ms = instr.sample(rng);
          const wakeAt = env.clock.now() + ms;
          // Body and cleanup waits are both cut by the soft stop: a body fails, a cleanup is expedited.
          const slept = await sleepOrPark(env.clock, ms, env.stop, env.park);
          if (slept === 'parked') {
            cursor.pc++;
            cursor.wakeAt = wakeAt;
            return park(live);
          }
          if (slept === 'cut' && !inCleanup) failure = 'stopped';
          else cursor.pc++;
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
    }
    // A new state, or a newly armed cleanup, is a checkpoint: the cleanup a lost worker's lifecycle
    // needs is only known once it is armed, so the journal must see the arm as well.
    if (journal !== undefined && (cursor.state !== stateBefore || instr.op === 'arm')) {
      cursor.rng = rng.state();
      if (!(await journal.transitioned(cursor, key))) return abandon(cursor);
    }
    if (failure !== undefined && inCleanup) {
      return finish(live, `cleanup ${failure}`);
    }
    if (failure !== undefined || instr.op === 'end') {
      if (failure !== undefined) cursor.failure = env.stop.aborted && failure.endsWith('aborted') ? 'stopped' : failure;
      if (cursor.armed === undefined) return finish(live, cursor.failure);
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
        return park(live);
      }
      continue;
    }
    if (instr.op === 'endCleanup') return finish(live, cursor.failure);
  }
}

/**
 * Records the lifecycle's outcome; with a journal, only once the journal accepted the finish. Returns
 * a plain status when there is nothing to await, so a lifecycle without a journal pays no extra turn.
 */
function finish(live: Live, failure: string | undefined, as?: 'dropped'): LifecycleStatus | Promise<LifecycleStatus> {
  const { cursor, env, key, journal } = live;
  if (env.system) return { done: true, vars: cursor.vars, failure };
  const terminal = cursor.state === undefined || env.terminal === undefined || env.terminal.has(cursor.state);
  const record: LifecycleRecord = { outcome: as ?? (failure ? 'failed' : 'completed'), index: cursor.index, key, state: cursor.state, terminal, reason: failure };
  if (journal === undefined) return recordOutcome(live, record);
  cursor.rng = live.rng.state();
  return journal.finished(cursor, key, record).then((ok) => (ok ? recordOutcome(live, record) : abandon(cursor)));
}

function recordOutcome({ cursor, env, key }: Live, record: LifecycleRecord): LifecycleStatus {
  env.recorder.recordLifecycle(record);
  env.events.write({ at: env.clock.now(), unitId: env.unitId, index: cursor.index, key, type: record.outcome, to: cursor.state, reason: record.reason });
  if (env.progress) env.progress.lifecycles++;
  return { done: true, vars: cursor.vars, failure: record.reason };
}

/**
 * Returns the lifecycle's checkpoint (its generator state included); with a journal, once the journal
 * took it, which may update the checkpoint's `seq`: the returned cursor is the one journaled.
 */
function park({ cursor, rng, key, journal }: Live): LifecycleStatus | Promise<LifecycleStatus> {
  const parked: Cursor = { ...cursor, rng: rng.state() };
  if (journal === undefined) return { done: false, cursor: parked };
  return journal.parked(parked, key).then((ok) => (ok ? { done: false, cursor: parked } : abandon(parked)));
}

/** Another worker moved this lifecycle first: it is theirs to record, so nothing is recorded here. */
function abandon(cursor: Cursor): LifecycleStatus {
  return { done: true, vars: cursor.vars, abandoned: true };
}

export type { Payload };
