import type { CompiledPlan } from '../core/engine/compile-plan.ts';
import type { Cursor } from '../core/engine/cursor.ts';
import type { LifecycleJournal } from '../core/engine/journal.ts';
import { runLifecycle, startCursor } from '../core/engine/interpreter.ts';
import type { LifecycleEnv } from '../core/engine/lifecycle-env.ts';
import type { Program } from '../core/engine/program.ts';
import type { TracePropagation } from '../core/engine/trace-headers.ts';
import type { ProgressCounters } from '../core/engine/call-context.ts';
import type { RequestExecutor } from '../core/engine/request-executor.ts';
import { runBatch } from '../core/load/batches.ts';
import { runBurst } from '../core/load/burst.ts';
import { runCursors } from '../core/load/leftovers.ts';
import { runRate } from '../core/load/rate.ts';
import { runVus } from '../core/load/vus.ts';
import { runPhases } from '../core/load/phases.ts';
import type { Clock, EventSink, RunStore } from '../core/ports.ts';
import { Recorder } from '../core/recorder/recorder.ts';
import type { UnitResult } from '../core/recorder/types.ts';
import type { Unit } from '../core/units.ts';

/** What a worker needs to run units of one run; built once per worker, shared by its units. */
export interface UnitRuntime {
  readonly compiled: CompiledPlan;
  readonly runId: string;
  readonly clock: Clock;
  readonly executor: RequestExecutor;
  readonly events: EventSink;
  readonly store: RunStore;
  /** Soft stop: start nothing new, take what was created to a terminal state. */
  readonly stop: AbortSignal;
  /** Hard stop: abandon everything. */
  readonly kill: AbortSignal;
  readonly progress?: ProgressCounters & { lifecycles: number; started: number };
  /** Values captured by the plan's setup steps, given to every lifecycle and to verify. */
  sharedVars?: Readonly<Record<string, unknown>>;
  /** Trace-context propagation, when the plan asks for it. */
  readonly propagation?: TracePropagation | undefined;
  /**
   * Time to hand over (a Lambda near its limit): no lifecycle starts, running ones park at their next
   * sleep, and the unit comes back as continuations. Local runs never park.
   */
  readonly park?: AbortSignal | undefined;
  /** Durable record of each lifecycle, for plans that track an entity (fleet runs). */
  readonly journal?: LifecycleJournal | undefined;
}

/** The result of running (or skipping) a unit. */
export interface UnitOutcome {
  /** `skipped` when the unit was already claimed: a redelivery, not counted again. */
  readonly status: 'ran' | 'skipped';
  /** The unit's own result (absent when it was skipped or recorded into a shared recorder). */
  readonly result?: UnitResult;
  /**
   * What is left to run as new units: parked lifecycles as resume units `<unitId>.c`, `.c2`, ... (at
   * most `RESUME_CHUNK` cursors each), then, after a park, the unit's unstarted rest as `<unitId>.n`.
   * Empty when the unit ran to its end (always, for a driver that resumes cleanups in process).
   */
  readonly continuations: Unit[];
}

/** Most cursors in one resume unit: a message stays well under the queue's size limit (SQS: 256 KiB). */
export const RESUME_CHUNK = 500;

/** The lifecycle environment of one unit (or of a setup/verify run). */
export function lifecycleEnv(rt: UnitRuntime, unitId: string, recorder: Recorder, program: Program = rt.compiled.program): LifecycleEnv {
  const { compiled } = rt;
  return {
    program, payloads: compiled.payloads, runId: rt.runId, unitId, seed: compiled.plan.seed, clock: rt.clock,
    executor: rt.executor, recorder, events: rt.events, terminal: compiled.terminal, stop: rt.stop, kill: rt.kill,
    progress: rt.progress, deferCleanup: false, propagation: rt.propagation, sharedVars: rt.sharedVars,
    park: rt.park, journal: rt.journal,
  };
}

/**
 * How a driver whose units all run in its own process (the local driver) takes part in running them.
 * Drivers whose units run apart (Lambda) pass nothing: each unit then saves its own result and hands
 * what it left (deferred cleanups, parked lifecycles, unstarted rest) back as continuation units.
 */
export interface InProcessUnits {
  /**
   * The run's one recorder: units record straight into it and save no result of their own (its owner
   * saves it once), so a run holds one set of histograms whatever its number of units.
   */
  readonly recorder: Recorder;
  /**
   * Takes each deferred cleanup of a batch the moment its lifecycle parks, already running (resumed at
   * once, as part of the unit's continuation `<unitId>.c`), for the driver to await. A batch's parked
   * lifecycles thus never pile up until the batch ends, and each cleanup wait counts from its park.
   */
  readonly track: (cleanup: Promise<unknown>) => void;
}

/**
 * `runUnit` is the one use case both drivers call (local and Lambda): claim the unit, run its
 * lifecycles under its load model, record, save the result, and hand back its continuations (see
 * `InProcessUnits` for what changes when the driver runs every unit itself). The claim comes first,
 * so a unit delivered twice is run and recorded once.
 */
export async function runUnit(unit: Unit, rt: UnitRuntime, local?: InProcessUnits): Promise<UnitOutcome> {
  if (!(await rt.store.claimUnit(unit.runId, unit.unitId))) return { status: 'skipped', continuations: [] };
  const recorder = local?.recorder ?? new Recorder(rt.clock.now());
  const env = lifecycleEnv(rt, unit.unitId, recorder);
  let parked: Cursor[] = [];
  let next: Unit | undefined;
  const rest = `${unit.unitId}.n`;
  switch (unit.kind) {
    case 'batch': {
      const load = rt.compiled.plan.load;
      const pacing = load.model === 'batches' ? { itemIntervalMs: load.itemInterval, itemJitter: load.itemJitter } : { itemIntervalMs: 0, itemJitter: 0 };
      let onParked: ((cursor: Cursor) => void) | undefined;
      if (local) {
        // Resumed with deferCleanup off, a lifecycle runs its cleanup inline and always finishes.
        const resumeEnv = lifecycleEnv(rt, `${unit.unitId}.c`, recorder);
        onParked = (cursor) => local.track(runLifecycle(cursor, resumeEnv));
      }
      const left = await runBatch(unit, { ...env, deferCleanup: true }, pacing, onParked);
      parked = left.parked;
      if (left.rest.length > 0) next = { kind: 'batch', runId: unit.runId, unitId: rest, indices: left.rest, ...(unit.group !== undefined ? { group: unit.group } : {}) };
      break;
    }
    case 'rate':
    case 'vus': {
      const left = unit.kind === 'rate' ? await runRate(unit, env) : await runVus(unit, env);
      parked = left.parked;
      if (left.next) next = { ...left.next, unitId: rest };
      break;
    }
    case 'burst':
      parked = await runBurst(unit, env);
      break;
    case 'phases': {
      // Phases have no continuation: their users run to the end, so nothing may park and be lost.
      const load = rt.compiled.plan.load;
      if (load.model === 'phases') await runPhases(unit, { ...env, park: undefined }, load, rt.compiled.tasks);
      break;
    }
    case 'resume':
      parked = await runCursors(unit.cursors, env);
      break;
  }
  const continuations = resumeUnits(unit, parked);
  if (next) continuations.push(next);
  if (local) return { status: 'ran', continuations };
  const result = recorder.result(rt.clock.now());
  await rt.store.saveUnitResult(unit.runId, unit.unitId, result);
  return { status: 'ran', result, continuations };
}

/** Parked cursors as resume units `<unitId>.c`, `.c2`, `.c3` ..., at most `RESUME_CHUNK` cursors each. */
function resumeUnits(unit: Unit, parked: readonly Cursor[]): Unit[] {
  const units: Unit[] = [];
  for (let from = 0, n = 1; from < parked.length; from += RESUME_CHUNK, n++) {
    units.push({ kind: 'resume', runId: unit.runId, unitId: `${unit.unitId}.c${n > 1 ? n : ''}`, cursors: parked.slice(from, from + RESUME_CHUNK) });
  }
  return units;
}

/** The outcome of the plan's setup or verify steps. */
export interface SystemOutcome {
  readonly ok: boolean;
  readonly failure?: string | undefined;
  /** What the steps captured. */
  readonly vars: Readonly<Record<string, unknown>>;
}

/**
 * Runs the plan's `setup` or `verify` steps once, as unit `name`: their requests are recorded (they are
 * traffic the target saw) and saved as that unit's result, but they are not lifecycles of the load.
 */
export async function runSystemSteps(name: 'setup' | 'verify', program: Program, rt: UnitRuntime): Promise<SystemOutcome> {
  const recorder = new Recorder(rt.clock.now());
  const env: LifecycleEnv = {
    ...lifecycleEnv(rt, name, recorder, program),
    payloads: { get: () => ({}), keyOf: () => name },
    system: true,
    progress: undefined,
    // Setup and verify have no continuation: a park would only fail them.
    park: undefined,
  };
  const status = await runLifecycle(startCursor(rt.compiled.plan.seed, 0), env);
  await rt.store.saveUnitResult(rt.runId, name, recorder.result(rt.clock.now()));
  if (!status.done) return { ok: false, failure: 'parked', vars: {} };
  return { ok: status.failure === undefined, failure: status.failure, vars: status.vars };
}
