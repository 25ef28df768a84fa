import type { Cursor } from '../../core/engine/cursor.ts';
import type { FleetStore, RunRecord } from '../../core/fleet/ports.ts';
import type { Plan } from '../../core/plan/schema.ts';
import type { Clock, HttpClient } from '../../core/ports.ts';
import { ERROR_RATE_ABORT_PREFIX, ERROR_RATE_STOP_REASON, ErrorRateWindow } from '../../core/resilience/error-rate-window.ts';
import { mergeUnitResults } from '../../core/recorder/merge.ts';
import type { UnitResult } from '../../core/recorder/types.ts';
import type { Unit } from '../../core/units.ts';
import { runUnit } from '../run-unit.ts';
import { delaySecondsOf, sendUnits } from './dispatch.ts';
import { EventBuffer } from './event-buffer.ts';
import type { FleetServices } from './services.ts';
import { assertFleetMayRun } from './plan-run.ts';
import { recoverUnit } from './recover.ts';
import { fleetRuntime, runPlanOf } from './run-plan.ts';
import { StoreJournal } from './store-journal.ts';
import { unitMetrics, type UnitMetric } from './unit-metrics.ts';
import { RunNotFoundError } from '../../core/fleet/errors.ts';
import { UnitBusyError } from './errors.ts';

/** What a worker needs besides the unit. */
export interface WorkerDeps extends FleetServices {
  readonly http: HttpClient;
  /** Fires when the invocation nears its end: park what runs, hand the rest on. */
  readonly park: AbortSignal;
  /** This execution environment (the Lambda log stream), for the report's distinct-worker count. */
  readonly workerId: string;
  /** How often a running unit re-reads the run's status (default `STOP_POLL_MS`). */
  readonly stopPollMs?: number | undefined;
  /** Receives the unit's metrics (EMF on Lambda). */
  readonly publish?: ((metrics: UnitMetric[]) => void) | undefined;
}

/** What became of one delivered unit. */
export interface WorkerOutcome {
  /** `ran`; `skipped` (already done: a redelivery); `deferred` (a resume unit sent back to wait). */
  readonly status: 'ran' | 'skipped' | 'deferred';
  readonly unitId: string;
  readonly attempt?: number;
  readonly result?: UnitResult;
  readonly continuations: number;
  /** False when the claim was lost before saving (another worker took the unit over). */
  readonly saved?: boolean;
}

/** How often a running unit re-reads the run's status (the kill switch is honoured within this). */
export const STOP_POLL_MS = 5_000;
/** How long to hold a resume unit before sending it back to wait (it arrived far ahead of its lifecycles). */
const HOLD_LIMIT_SECONDS = 60;

/**
 * `runFleetUnit` is the worker's use case: claim the unit under a lease (a redelivery of a done unit
 * is acknowledged and skipped; one held by a live worker is refused for later), take over what a lost
 * worker left (journal), run the rest with the same `runUnit` the local driver uses, hand leftover
 * work on as continuation units (written, then sent), upload the unit's events, and save the result
 * with the claim's token, so only the unit's current holder is ever counted.
 */
export async function runFleetUnit(unit: Unit, deps: WorkerDeps): Promise<WorkerOutcome> {
  const { store, clock } = deps;
  const now = clock.now();
  const delay = unit.kind === 'resume' ? delaySecondsOf(unit, now) : 0;
  if (delay > HOLD_LIMIT_SECONDS) {
    await deps.queue.send([unit], delay);
    return { status: 'deferred', unitId: unit.unitId, continuations: 0 };
  }
  const claim = await store.claimUnit(unit.runId, unit.unitId, now, leaseMsFor(deps.fleet.workerTimeoutMs));
  if (claim.status === 'done') return { status: 'skipped', unitId: unit.unitId, continuations: 0 };
  if (claim.status === 'busy') throw new UnitBusyError(`unit ${unit.unitId} of run ${unit.runId} is held by another worker`);
  const run = await store.getRun(unit.runId);
  if (!run) throw new RunNotFoundError(unit.runId, `unit ${unit.unitId}: run ${unit.runId} is not in the run table`);

  const plan = runPlanOf(run, deps.env);
  const stop = new AbortController();
  const watch = watchRun(run, store, stop, clock, deps.stopPollMs ?? STOP_POLL_MS);
  const events = new EventBuffer(plan.loaded.redactor);
  try {
    try {
      assertFleetMayRun(plan.loaded.plan, deps.fleet);
    } catch (error) {
      stop.abort(`refused: ${(error as Error).message}`);
    }
    const journal = plan.compiled.terminal ? new StoreJournal(store, unit.runId, unit.unitId) : undefined;
    const share = Math.max(1, Math.min(run.unitsPlanned, deps.fleet.maxConcurrency));
    const errorRate = errorRateOf(unit.runId, plan.loaded.plan);
    if (errorRate?.verdict !== undefined) stop.abort(ERROR_RATE_STOP_REASON);
    const rt = fleetRuntime({
      runId: unit.runId, plan, clock, http: deps.http, events, stop: stop.signal, kill: new AbortController().signal, park: deps.park, journal,
      deadline: run.deadline, maxRps: Math.min(plan.loaded.plan.limits.maxRps, deps.fleet.limits.maxRps) / share, errorRate,
    });
    // This worker's abort rule stops the whole run: the run row's stop flag, as `fleet stop` sets it,
    // stops the other workers within their next status check and names the verdict in the report.
    rt.stop.addEventListener('abort', () => {
      if (errorRate?.verdict !== undefined) void store.requestStop(unit.runId, errorRate.verdict).catch(() => undefined);
    }, { once: true });
    const results: UnitResult[] = [];
    let toRun: Unit[] = [unit];
    if (claim.attempt > 1) {
      const recovery = await recoverUnit(unit, {
        store, payloads: plan.compiled.payloads, journaled: journal !== undefined, mode: 'takeover', dropReason: 'stopped', now, runId: unit.runId, terminal: plan.compiled.terminal,
      });
      results.push(recovery.recorder.result(clock.now()));
      toRun = [recovery.fresh, resumeOf(unit, 'r', recovery.resume)].filter((u): u is Unit => u !== undefined);
    }
    const continuations: Unit[] = [];
    for (const part of toRun) {
      const outcome = await runUnit(part, rt);
      if (outcome.result) results.push(outcome.result);
      continuations.push(...outcome.continuations);
    }
    // Continuations are written before the unit is closed, so the run never looks finished while
    // they are pending; if sending fails, the next progress check sends them.
    if (continuations.length > 0) {
      const added = await store.addUnits(unit.runId, continuations);
      await sendUnits(unit.runId, added, store, deps.queue, clock.now());
    }
    const result = mergeUnitResults(results);
    if (events.rows > 0) await deps.objects.put(`runs/${unit.runId}/events/${unit.unitId}.${claim.attempt}.csv`, events.text(), 'text/csv');
    const saved = await store.completeUnit(unit.runId, unit.unitId, claim.token, result, { status: 'DONE', worker: deps.workerId });
    deps.publish?.(unitMetrics(result, unit.runId, run.kind));
    return { status: 'ran', unitId: unit.unitId, attempt: claim.attempt, result, continuations: continuations.length, saved };
  } finally {
    watch.dispose();
  }
}

/**
 * The part of an invocation a worker keeps free at its end: in-flight requests finish, continuations
 * are written and sent, events uploaded. A fifth of the time, at most a minute.
 */
export function parkMarginMs(remainingMs: number): number {
  return Math.min(60_000, Math.floor(remainingMs / 5));
}

/**
 * How long a claim lives: a little longer than a worker can (Lambda ends an invocation at its timeout),
 * so a claim whose lease expired belongs to a worker that is gone, and another may take the unit.
 */
export function leaseMsFor(workerTimeoutMs: number): number {
  return Math.ceil(workerTimeoutMs * 1.1) + 1000;
}

/** Each execution environment's abort rule per run: it judges the attempts of every unit it runs. */
const errorRates = new Map<string, ErrorRateWindow>();

/** This environment's abort rule for a run (undefined when the plan turns it off). */
function errorRateOf(runId: string, plan: Plan): ErrorRateWindow | undefined {
  const rule = plan.limits.abortOnErrorRate;
  if (!rule) return undefined;
  let window = errorRates.get(runId);
  if (!window) {
    // One run at a time is the rule; a few keep a recent run's window across interleaved messages.
    if (errorRates.size > 16) errorRates.clear();
    errorRates.set(runId, (window = new ErrorRateWindow(rule)));
  }
  return window;
}

/** A resume unit for cursors a takeover found open. */
function resumeOf(unit: Unit, suffix: string, cursors: Cursor[]): Unit | undefined {
  return cursors.length > 0 ? { kind: 'resume', runId: unit.runId, unitId: `${unit.unitId}.${suffix}`, cursors } : undefined;
}

/** Aborts `stop` as soon as the run is no longer RUNNING (checked now, then every `everyMs`). */
function watchRun(run: RunRecord, store: FleetStore, stop: AbortController, clock: Clock, everyMs: number): { dispose(): void } {
  // A run another worker's abort rule stopped drops what is left under the rule's one short reason.
  const reasonOf = (r: RunRecord): string =>
    r.stopReason?.startsWith(ERROR_RATE_ABORT_PREFIX) ? ERROR_RATE_STOP_REASON : (r.stopReason ?? `run is ${r.status.toLowerCase()}`);
  if (run.status !== 'RUNNING') stop.abort(reasonOf(run));
  let disposed = false;
  const done = new AbortController();
  void (async () => {
    while (!disposed && !stop.signal.aborted) {
      await clock.sleep(everyMs, done.signal).catch(() => undefined);
      if (disposed) return;
      const latest = await store.getRun(run.runId).catch(() => undefined);
      if (latest && latest.status !== 'RUNNING') stop.abort(reasonOf(latest));
    }
  })();
  return {
    dispose(): void {
      disposed = true;
      done.abort();
    },
  };
}
