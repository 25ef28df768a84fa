import type { CompiledPlan } from '../core/engine/compile-plan.ts';
import type { ProgressCounters, RequestExecutor } from '../core/engine/request-executor.ts';
import { runBatch, runCursors } from '../core/load/batches.ts';
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
}

/** The result of running (or skipping) a unit. */
export interface UnitOutcome {
  /** `skipped` when the unit was already claimed: a redelivery, not counted again. */
  readonly status: 'ran' | 'skipped';
  readonly result?: UnitResult;
  /** Lifecycles parked by this unit (deferred cleanups), to run as a new unit. */
  readonly continuation?: Unit;
}

/**
 * `runUnit` is the one use case both drivers call (local and Lambda): claim the unit, run its
 * lifecycles under its load model, record, save the result, and hand back any continuation.
 */
export async function runUnit(unit: Unit, rt: UnitRuntime): Promise<UnitOutcome> {
  if (!(await rt.store.claimUnit(unit.runId, unit.unitId))) return { status: 'skipped' };
  const { compiled, clock } = rt;
  const recorder = new Recorder(clock.now());
  const env = {
    program: compiled.program, payloads: compiled.payloads, runId: rt.runId, unitId: unit.unitId, seed: compiled.plan.seed, clock,
    executor: rt.executor, recorder, events: rt.events, terminal: compiled.terminal, stop: rt.stop, kill: rt.kill,
    progress: rt.progress,
  };
  let parked;
  if (unit.kind === 'batch') {
    const load = compiled.plan.load;
    parked = await runBatch(unit, { ...env, deferCleanup: true }, { itemIntervalMs: load.itemInterval, itemJitter: load.itemJitter });
  } else {
    parked = await runCursors(unit.cursors, { ...env, deferCleanup: false });
  }
  const result = recorder.result(clock.now());
  await rt.store.saveUnitResult(unit.runId, unit.unitId, result);
  const continuation: Unit | undefined = parked.length > 0 ? { kind: 'resume', runId: unit.runId, unitId: `${unit.unitId}.c`, cursors: parked } : undefined;
  return continuation ? { status: 'ran', result, continuation } : { status: 'ran', result };
}
