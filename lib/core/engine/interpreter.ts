import type { Clock } from '../ports.ts';
import type { TemplateContext } from '../plan/template.ts';
import type { Payload } from '../payloads.ts';
import type { Recorder } from '../recorder/recorder.ts';
import type { LifecycleRecord } from '../recorder/types.ts';
import { Rng } from '../rng.ts';
import type { RequestOwner } from './call-context.ts';
import type { CompiledRequest } from './compiled-request.ts';
import type { Cursor } from './cursor.ts';
import type { LifecycleJournal } from './journal.ts';
import type { LifecycleEnv, LifecycleStatus } from './lifecycle-env.ts';
import { applyResponse } from './lifecycle-steps.ts';
import type { Instr } from './program.ts';
import { describeFailure, type RequestOutcome } from './request-outcome.ts';
import type { LifecycleTrace } from './trace-headers.ts';
import { sleepOrPark, type Slept } from './sleep.ts';

/**
 * A fresh cursor for payload `index`. Its RNG stream is derived from (seed, index) when first used
 * (an empty `rng` state means "not drawn from yet"), so lifecycles that draw nothing pay nothing.
 * `startAt` is the intended start (open model, burst): the first request's latency counts from it.
 */
export function startCursor(_seed: number, index: number, startAt?: number): Cursor {
  return startAt === undefined ? { index, pc: 0, phase: 'body', vars: {}, rng: [] } : { index, pc: 0, phase: 'body', vars: {}, rng: [], startAt };
}

/**
 * Runs a lifecycle from its cursor until it finishes or parks. Never throws for target behaviour:
 * failed requests fail the lifecycle (whose armed cleanup still runs) and are recorded. It parks on a
 * deferred cleanup (`env.deferCleanup`) or, once `env.park` fires, at its next sleep; a parked cursor
 * resumed here continues exactly where it stopped (vars, state, generator, armed cleanup, poll
 * progress, wake instant). With `env.journal`, it journals its start, transitions, park and finish,
 * and is abandoned (recording nothing) as soon as the journal refuses a write.
 */
export function runLifecycle(start: Cursor, env: LifecycleEnv): Promise<LifecycleStatus> {
  return new Promise<LifecycleStatus>((resolve, reject) => new LifecycleRun(start, env, resolve, reject).start());
}

/**
 * `runLifecycle` without a promise, for load models that start many lifecycles and only count their
 * ends (the open and closed models): `onEnd` gets the status, `onError` a fault (what would make
 * `runLifecycle` reject), exactly one of them, once; either may be called before this returns. The
 * run takes `start` over (it may change it), so pass a cursor made for it, e.g. by `startCursor`.
 */
export function startLifecycle(start: Cursor, env: LifecycleEnv, onEnd: (status: LifecycleStatus) => void, onError: (error: unknown) => void): void {
  let run: LifecycleRun;
  try {
    run = new LifecycleRun(start, env, onEnd, onError, true);
  } catch (error) {
    onError(error);
    return;
  }
  run.start();
}

/** Returned by a step: go on with the next step now, or stop (the lifecycle waits on a callback, or ended). */
const GO = 0;
const STOP = 1;
/** Returned by a poll step whose attempt ended without ending the poll: send the next attempt now. */
const AGAIN = 2;
type Step = typeof GO | typeof STOP | typeof AGAIN;

/** What a pending promise (`wait`) stands for, so `resume` knows where its value goes. */
const STARTED = 0;
const WOKE = 1;
const WAITED = 2;
const POLL_SLEPT = 3;
const TRANSITIONED = 4;
const FINISHED = 5;
const PARKED = 6;
type Pending = typeof STARTED | typeof WOKE | typeof WAITED | typeof POLL_SLEPT | typeof TRANSITIONED | typeof FINISHED | typeof PARKED;

/**
 * The template context of a lifecycle, reused by its requests. `now` is read from the clock when a
 * template first asks for it and kept for the rest of that request; `rng` is the lifecycle's.
 */
class LiveContext implements TemplateContext {
  private at: number | undefined;

  constructor(
    private readonly run: LifecycleRun,
    private readonly clock: Clock,
    readonly payload: Payload,
    readonly vars: Cursor['vars'],
    readonly index: number,
    readonly runId: string,
  ) {}

  get now(): number {
    return (this.at ??= this.clock.now());
  }

  get rng(): Rng {
    return this.run.rng;
  }

  /** A new request: its `now` is read again. */
  renew(): void {
    this.at = undefined;
  }
}

/** The options of a lifecycle's requests, reused (the executor reads them when a request starts). */
interface LiveOptions {
  signal: AbortSignal;
  inflight: AbortSignal;
  force: boolean;
  intendedStart: number | undefined;
  gate: Promise<boolean> | undefined;
  onRelease: (() => void) | undefined;
}

/**
 * One running lifecycle: the instruction loop of `runLifecycle` as a small state machine. Steps that
 * are ready run at once, in a plain loop; a step that has to wait (a request, a sleep, a journal
 * write) hands the machine a callback and the loop goes on from there when it is over. So a lifecycle
 * costs one object, not an async function per lifecycle and per step, and a zero wait costs nothing.
 *
 * The run is also the `RequestOwner` of its requests: who asks, where their draws come from, and
 * where their outcomes settle.
 */
class LifecycleRun implements RequestOwner {
  readonly unitId: string;
  readonly index: number;
  readonly key: string;
  readonly recorder: Recorder;
  readonly phase: string | undefined;
  readonly trace: LifecycleTrace | undefined;

  private readonly cursor: Cursor;
  /** The lifecycle's generator, made on first draw (most lifecycles of a `hit` never draw). */
  private generator: Rng | undefined;
  /** `env.journal`, unless this is a setup or verify run. */
  private readonly journal: LifecycleJournal | undefined;
  private readonly fresh: boolean;
  private readonly ctx: LiveContext;
  private readonly opts: LiveOptions;
  private ended = false;

  // The instruction under way, as the loop body's locals were.
  private instr!: Instr;
  private inCleanup = false;
  private stateBefore: string | undefined;
  private failure: string | undefined;
  /** Poll progress while a poll runs (the cursor holds it only while parked). */
  private pollAttempt = 0;
  private pollStartedAt = 0;
  /** When the sleep under way (a wait, a poll delay) would end, for a park during it. */
  private wakeAt = 0;
  /** A request outcome that came while the request was being started (nothing had to wait). */
  private early: RequestOutcome | undefined;
  private starting = false;
  /**
   * The intended start (`cursor.startAt`) was consumed by the first send. The key stays on the live
   * cursor until someone else sees the cursor (a journal write, a park): deleting a property sends the
   * object down V8's slow path, and a lifecycle that just ends never needs it gone.
   */
  private startTaken = false;
  private pending: Pending = STARTED;
  private record: LifecycleRecord | undefined;
  private parkedCursor: Cursor | undefined;
  private onValue: ((value: unknown) => void) | undefined;
  private onFault: ((error: unknown) => void) | undefined;

  constructor(
    start: Cursor,
    private readonly env: LifecycleEnv,
    private readonly onEnd: (status: LifecycleStatus) => void,
    private readonly onError: (error: unknown) => void,
    owned = false,
  ) {
    const fresh = start.pc === 0 && start.phase === 'body';
    // The caller's cursor is left as it was (it may be resumed again), unless it was handed over.
    const cursor: Cursor = fresh && env.sharedVars
      ? { ...start, vars: { ...(env.sharedVars as Cursor['vars']), ...start.vars } }
      : owned ? start : { ...start, vars: { ...start.vars } };
    this.fresh = fresh;
    this.cursor = cursor;
    const payload = env.payloads.get(cursor.index);
    this.key = env.payloads.keyOf(cursor.index, payload);
    this.unitId = env.unitId;
    this.index = cursor.index;
    this.recorder = env.recorder;
    this.phase = env.phase;
    this.trace = env.propagation?.traceFor(cursor.index);
    this.journal = env.system ? undefined : env.journal;
    this.ctx = new LiveContext(this, env.clock, payload, cursor.vars, cursor.index, env.runId);
    this.opts = { signal: env.stop, inflight: env.kill, force: false, intendedStart: undefined, gate: undefined, onRelease: undefined };
  }

  /**
   * The lifecycle's generator: restored from the cursor's state, or (never drawn from yet) derived
   * from (seed, index) on first use. Made lazily: the cursor's `rng` only changes from this generator.
   */
  get rng(): Rng {
    return (this.generator ??= this.cursor.rng.length > 0 ? Rng.fromState(this.cursor.rng) : Rng.deferred(this.env.seed, 'lifecycle', this.cursor.index));
  }

  start(): void {
    try {
      const { journal, cursor } = this;
      // Without a journal nothing waits here: every journal step is behind `journal !== undefined`.
      if (journal !== undefined && this.fresh && cursor.seq === undefined) this.wait(journal.started(cursor, this.key), STARTED);
      else this.loop();
    } catch (error) {
      this.fail(error);
    }
  }

  /** Runs instructions until one waits or the lifecycle ends. */
  private loop(): void {
    while (this.begin() === GO && this.complete() === GO);
  }

  /** Goes on after a step that waited: the rest of its instruction, then the loop. */
  private goOn(step: Step): void {
    if (step === GO && this.complete() === GO) this.loop();
  }

  /** Starts the instruction at `pc`: first the rest of a parked sleep, then the instruction itself. */
  private begin(): Step {
    const { cursor, env } = this;
    const instr = this.env.program.instrs[cursor.pc] as Instr;
    this.instr = instr;
    this.inCleanup = cursor.phase === 'cleanup';
    this.stateBefore = cursor.state;
    this.failure = undefined;
    if (cursor.wakeAt === undefined) return this.execute();
    // The sleep a resumed cursor stands for is cut as it would have been: a body's (wait or poll
    // delay) by the soft stop, failing the body; a cleanup poll delay's by the hard stop, failing the
    // cleanup; a cleanup wait's by the soft stop, expediting the cleanup.
    const polling = instr.op === 'poll' && cursor.pollAttempt !== undefined;
    const slept = this.sleep(cursor.wakeAt - env.clock.now(), !this.inCleanup || !polling ? env.stop : env.kill, WOKE);
    return slept === undefined ? STOP : this.woke(slept);
  }

  /** The parked sleep is over (or cut, or parked again, `wakeAt` unchanged). */
  private woke(slept: Slept): Step {
    const { cursor } = this;
    if (slept === 'parked') return this.park();
    const polling = this.instr.op === 'poll' && cursor.pollAttempt !== undefined;
    delete cursor.wakeAt;
    if (slept === 'cut' && (!this.inCleanup || polling)) {
      delete cursor.pollAttempt;
      delete cursor.pollStartedAt;
      this.failure = 'stopped';
      return GO;
    }
    return this.execute();
  }

  /** Runs the instruction itself. */
  private execute(): Step {
    const { cursor, env, instr } = this;
    switch (instr.op) {
      case 'request': {
        const outcome = this.send(instr.req);
        return outcome === undefined ? STOP : this.requested(outcome);
      }
      case 'poll': {
        this.pollStartedAt = cursor.pollStartedAt ?? env.clock.now();
        this.pollAttempt = cursor.pollAttempt ?? 0;
        // Progress lives in the run while the poll runs; the cursor holds it only while parked.
        delete cursor.pollAttempt;
        delete cursor.pollStartedAt;
        return this.poll();
      }
      case 'wait': {
        const ms = instr.sample(this.rng);
        this.wakeAt = env.clock.now() + ms;
        // Body and cleanup waits are both cut by the soft stop: a body fails, a cleanup is expedited.
        const slept = this.sleep(ms, env.stop, WAITED);
        return slept === undefined ? STOP : this.waited(slept);
      }
      case 'switch': {
        const value = instr.get({ payload: this.ctx.payload, vars: cursor.vars });
        cursor.pc = instr.cases.get(String(value)) ?? instr.otherwise;
        return GO;
      }
      case 'weighted':
        cursor.pc = instr.targets[this.rng.pickIndex(instr.weights)] as number;
        return GO;
      case 'chance':
        cursor.pc = this.rng.float() < instr.p ? instr.then : instr.else;
        return GO;
      case 'jump':
        cursor.pc = instr.to;
        return GO;
      case 'arm':
        cursor.armed = instr.cleanup;
        cursor.pc++;
        return GO;
      case 'end':
      case 'endCleanup':
        return GO;
    }
  }

  /** A `request` instruction's outcome. */
  private requested(outcome: RequestOutcome): Step {
    const instr = this.instr as Extract<Instr, { op: 'request' }>;
    if (outcome.ok) {
      applyResponse(this.cursor, instr.req, outcome.json, this.env, this);
      this.cursor.pc++;
    } else if (outcome.errorKind === 'not-released') return this.finish(`stopped: ${outcome.message}`, 'dropped');
    else this.failure = describeFailure(instr.req.name, outcome);
    return GO;
  }

  /** Sends poll attempts until the poll ends (GO: met, or failed) or has to wait (STOP). */
  private poll(): Step {
    const instr = this.instr as Extract<Instr, { op: 'poll' }>;
    for (;;) {
      this.pollAttempt++;
      const outcome = this.send(instr.req);
      if (outcome === undefined) return STOP;
      const step = this.polled(outcome);
      if (step !== AGAIN) return step;
    }
  }

  /** A poll attempt's outcome: the condition met, a failure, or a delay before the next attempt. */
  private polled(outcome: RequestOutcome): Step {
    const { cursor, env } = this;
    const instr = this.instr as Extract<Instr, { op: 'poll' }>;
    if (outcome.ok && instr.until(outcome.json)) {
      applyResponse(cursor, instr.req, outcome.json, env, this);
      cursor.pc++;
      return GO;
    }
    const attempt = this.pollAttempt;
    if (!outcome.ok) {
      // A burst whose lifecycle begins with a poll holds that poll at the gate, as it would a request.
      if (outcome.errorKind === 'not-released') return this.finish(`stopped: ${outcome.message}`, 'dropped');
      if (outcome.errorKind === 'aborted') return this.fails(describeFailure(instr.req.name, outcome));
    }
    if (attempt >= instr.maxAttempts) return this.fails(`poll ${instr.req.name}: ${instr.untilText} not met after ${attempt} attempts`);
    let delay = Math.min(instr.maxEveryMs, instr.everyMs * instr.factor ** (attempt - 1));
    if (instr.jitter > 0) delay *= 1 - instr.jitter + 2 * instr.jitter * this.rng.float();
    const now = env.clock.now();
    if (instr.timeoutMs !== undefined && now + delay - this.pollStartedAt > instr.timeoutMs) {
      return this.fails(`poll ${instr.req.name}: ${instr.untilText} not met within ${instr.timeoutMs}ms`);
    }
    this.wakeAt = now + delay;
    const slept = this.sleep(delay, cursor.phase === 'cleanup' ? env.kill : env.stop, POLL_SLEPT);
    return slept === undefined ? STOP : this.pollSlept(slept);
  }

  /** The delay between two poll attempts is over (AGAIN), cut, or given up for a park. */
  private pollSlept(slept: Slept): Step {
    if (slept === 'cut') return this.fails('stopped');
    if (slept === 'parked') {
      const { cursor } = this;
      cursor.pollAttempt = this.pollAttempt;
      cursor.pollStartedAt = this.pollStartedAt;
      cursor.wakeAt = this.wakeAt;
      return this.park();
    }
    return AGAIN;
  }

  /** A `wait` instruction's sleep is over, cut, or given up for a park. */
  private waited(slept: Slept): Step {
    const { cursor } = this;
    if (slept === 'parked') {
      cursor.pc++;
      cursor.wakeAt = this.wakeAt;
      return this.park();
    }
    if (slept === 'cut' && !this.inCleanup) this.failure = 'stopped';
    else cursor.pc++;
    return GO;
  }

  private fails(failure: string): Step {
    this.failure = failure;
    return GO;
  }

  /** Ends the instruction: a checkpoint for the journal, then the body's end, a failure, or the next instruction. */
  private complete(): Step {
    const { cursor, journal, instr } = this;
    // A new state, or a newly armed cleanup, is a checkpoint: the cleanup a lost worker's lifecycle
    // needs is only known once it is armed, so the journal must see the arm as well.
    if (journal !== undefined && (cursor.state !== this.stateBefore || instr.op === 'arm')) {
      cursor.rng = this.rng.state();
      this.wait(journal.transitioned(this.shown(), this.key), TRANSITIONED);
      return STOP;
    }
    return this.next();
  }

  /** After the checkpoint: what the instruction's end means for the lifecycle. */
  private next(): Step {
    const { cursor, env, instr } = this;
    const failure = this.failure;
    if (failure !== undefined && this.inCleanup) return this.finish(`cleanup ${failure}`);
    if (failure !== undefined || instr.op === 'end') {
      if (failure !== undefined) cursor.failure = env.stop.aborted && failure.endsWith('aborted') ? 'stopped' : failure;
      if (cursor.armed === undefined) return this.finish(cursor.failure);
      cursor.phase = 'cleanup';
      cursor.pc = cursor.armed;
      delete cursor.armed;
      if (env.deferCleanup) {
        // A leading cleanup wait (beforeCancel, beforeEnd) counts from now, the end of the body, not
        // from whenever the caller resumes the cursor (after the rest of the batch): park it as wakeAt.
        const first = env.program.instrs[cursor.pc] as Instr;
        if (first.op === 'wait') {
          cursor.wakeAt = env.clock.now() + first.sample(this.rng);
          cursor.pc++;
        }
        return this.park();
      }
      return GO;
    }
    if (instr.op === 'endCleanup') return this.finish(cursor.failure);
    return GO;
  }

  /**
   * Starts the request of the instruction under way. Returns its outcome when it settled at once
   * (nothing to wait for: stopped, refused), else undefined: `settle` goes on when it comes.
   */
  private send(req: CompiledRequest): RequestOutcome | undefined {
    const { cursor, env, ctx, opts } = this;
    ctx.renew();
    const inCleanup = cursor.phase === 'cleanup';
    // Bodies stop on the soft stop; cleanup only on the hard one, so created entities still end.
    opts.signal = inCleanup ? env.kill : env.stop;
    opts.force = inCleanup;
    // The intended start (open model, burst) is consumed by the first send: its latency counts from
    // there (no coordinated omission), and the actual send time feeds the start-skew figure.
    const intended = this.startTaken ? undefined : cursor.startAt;
    opts.intendedStart = intended;
    opts.gate = undefined;
    opts.onRelease = undefined;
    if (intended !== undefined) {
      this.startTaken = true;
      if (env.gate) {
        opts.gate = env.gate;
        if (env.measureStarts) opts.onRelease = () => env.recorder.recordStart(env.clock.now());
      } else if (env.measureStarts) env.recorder.recordStart(env.clock.now());
    }
    this.early = undefined;
    this.starting = true;
    try {
      env.executor.start(req, ctx, opts, this);
    } finally {
      this.starting = false;
    }
    const early = this.early;
    this.early = undefined;
    return early;
  }

  /** `RequestOwner`: the request under way has its outcome. */
  settle(outcome: RequestOutcome): void {
    if (this.starting) {
      this.early = outcome;
      return;
    }
    try {
      if (this.instr.op === 'request') this.goOn(this.requested(outcome));
      else {
        let step = this.polled(outcome);
        if (step === AGAIN) step = this.poll();
        this.goOn(step);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /** `RequestOwner`: the request under way failed with a fault; so does the lifecycle. */
  fault(error: unknown): void {
    this.fail(error);
  }

  /**
   * `sleepOrPark` where it does not have to wait: the outcome when it is known at once (a stop, a zero
   * sleep, a park), else undefined after starting the sleep, whose end goes to `resume` as `pending`.
   */
  private sleep(ms: number, cut: AbortSignal, pending: Pending): Slept | undefined {
    const { clock, park } = this.env;
    if (cut.aborted) return 'cut';
    if (ms <= 0) return 'slept';
    if (park?.aborted) return 'parked';
    this.wait(sleepOrPark(clock, ms, cut, park), pending);
    return undefined;
  }

  /** Waits for `promise`; its value goes to `resume` as `pending`, its rejection fails the lifecycle. */
  private wait(promise: Promise<unknown>, pending: Pending): void {
    this.pending = pending;
    this.onValue ??= (value) => this.resume(value);
    this.onFault ??= (error) => this.fail(error);
    promise.then(this.onValue, this.onFault);
  }

  /** The value of the promise the lifecycle waited on. */
  private resume(value: unknown): void {
    try {
      switch (this.pending) {
        case STARTED:
          if (value) this.loop();
          else this.end(abandon(this.cursor));
          break;
        case WOKE:
          this.goOn(this.woke(value as Slept));
          break;
        case WAITED:
          this.goOn(this.waited(value as Slept));
          break;
        case POLL_SLEPT: {
          let step = this.pollSlept(value as Slept);
          if (step === AGAIN) step = this.poll();
          this.goOn(step);
          break;
        }
        case TRANSITIONED:
          if (!value) this.end(abandon(this.cursor));
          else if (this.next() === GO) this.loop();
          break;
        case FINISHED:
          this.end(value ? this.recordOutcome(this.record as LifecycleRecord) : abandon(this.cursor));
          break;
        case PARKED: {
          const parked = this.parkedCursor as Cursor;
          this.end(value ? { done: false, cursor: parked } : abandon(parked));
          break;
        }
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /** Records the lifecycle's outcome; with a journal, only once the journal accepted the finish. */
  private finish(failure: string | undefined, as?: 'dropped'): Step {
    const { cursor, env, journal } = this;
    if (env.system) {
      this.end({ done: true, vars: cursor.vars, failure });
      return STOP;
    }
    const terminal = cursor.state === undefined || env.terminal === undefined || env.terminal.has(cursor.state);
    const record: LifecycleRecord = { outcome: as ?? (failure ? 'failed' : 'completed'), index: cursor.index, key: this.key, state: cursor.state, terminal, reason: failure };
    if (journal === undefined) {
      this.end(this.recordOutcome(record));
      return STOP;
    }
    cursor.rng = this.rng.state();
    this.record = record;
    this.wait(journal.finished(this.shown(), this.key, record), FINISHED);
    return STOP;
  }

  private recordOutcome(record: LifecycleRecord): LifecycleStatus {
    const { cursor, env } = this;
    env.recorder.recordLifecycle(record);
    env.events.write({ at: env.clock.now(), unitId: env.unitId, index: cursor.index, key: this.key, type: record.outcome, to: cursor.state, reason: record.reason });
    if (env.progress) env.progress.lifecycles++;
    return { done: true, vars: cursor.vars, failure: record.reason };
  }

  /**
   * Returns the lifecycle's checkpoint (its generator state included); with a journal, once the journal
   * took it, which may update the checkpoint's `seq`: the returned cursor is the one journaled.
   */
  private park(): Step {
    const parked: Cursor = { ...this.shown(), rng: this.rng.state() };
    if (this.journal === undefined) this.end({ done: false, cursor: parked });
    else {
      this.parkedCursor = parked;
      this.wait(this.journal.parked(parked, this.key), PARKED);
    }
    return STOP;
  }

  /** The live cursor as others may see it: without an intended start already consumed. */
  private shown(): Cursor {
    const { cursor } = this;
    if (this.startTaken && cursor.startAt !== undefined) delete cursor.startAt;
    return cursor;
  }

  private end(status: LifecycleStatus): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(status);
  }

  private fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.onError(error);
  }
}

/** Another worker moved this lifecycle first: it is theirs to record, so nothing is recorded here. */
function abandon(cursor: Cursor): LifecycleStatus {
  return { done: true, vars: cursor.vars, abandoned: true };
}

