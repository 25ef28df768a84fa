import type { Cursor } from '../../core/engine/cursor.ts';
import type { FleetStore, ObjectStore, RunRecord } from '../../core/fleet/ports.ts';
import type { Clock, HttpClient } from '../../core/ports.ts';
import { mergeUnitResults } from '../../core/recorder/merge.ts';
import type { UnitResult } from '../../core/recorder/types.ts';
import type { Unit } from '../../core/units.ts';
import { runUnit } from '../run-unit.ts';
import { EventBuffer } from './event-buffer.ts';
import { heldByLiveWorker } from './progress.ts';
import { recoverUnit } from './recover.ts';
import { fleetRuntime, runPlanOf, type RunPlan } from './run-plan.ts';
import type { FleetState, SweepState } from './state.ts';
import { StoreJournal } from './store-journal.ts';
import { leaseMsFor } from './worker.ts';
import { RunNotFoundError } from '../../core/fleet/errors.ts';

/** What the sweep step needs. */
export interface SweepDeps {
  readonly store: FleetStore;
  readonly objects: ObjectStore;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: Clock;
  readonly http: HttpClient;
  readonly workerTimeoutMs: number;
}

/** Id of the unit the sweep files lifecycles under that no unit accounts for any more. */
export const SWEEP_UNIT = 'sweep';

/**
 * The sweep closes a run: it moves the run to SWEEPING (no new work starts anywhere), waits while a
 * live worker still holds a unit, then takes every unit that is not done: the lifecycles its journal
 * shows finished are counted, open ones are cleaned up (their armed cleanup run now, waits cut short),
 * and the ones never started are counted as dropped with the reason. Last, any journal entry still
 * open (a continuation that never ran) is cleaned up too, so every created entity ends terminal or is
 * listed with its reason.
 */
export async function sweepRun(state: FleetState, deps: SweepDeps): Promise<SweepState> {
  const { store, clock } = deps;
  const run = await store.getRun(state.runId);
  if (!run) throw new RunNotFoundError(state.runId, `sweep: run ${state.runId} is not in the run table`);
  await store.setRunStatus(run.runId, 'SWEEPING', ['RUNNING', 'STOPPING']);
  const now = clock.now();
  const units = await store.listUnits(run.runId, { results: false });
  if (units.some((u) => heldByLiveWorker(u, now))) return { ...state, swept: false };
  const plan = runPlanOf(run, deps.env);
  const reason = run.stopReason ? `stopped: ${run.stopReason}` : 'not run: the run ended';
  for (const row of units) {
    if (row.status === 'DONE' || row.status === 'SWEPT') continue;
    if (!(await closeUnit(row.unit, run, plan, reason, deps))) return { ...state, swept: false };
  }
  const open = await store.openJournal(run.runId);
  if (open.length > 0) {
    const cursors: Cursor[] = open.flatMap((e) => (e.cursor ? [{ ...e.cursor, seq: e.seq }] : []));
    const unit: Unit = { kind: 'resume', runId: run.runId, unitId: `${SWEEP_UNIT}-${clock.now()}`, cursors };
    if (cursors.length > 0) {
      await store.addUnits(run.runId, [unit]);
      if (!(await closeUnit(unit, run, plan, reason, deps))) return { ...state, swept: false };
    }
  }
  return { ...state, swept: true };
}

/** Claims one unit for the sweep and closes it (SWEPT with its result); false if a worker holds it. */
async function closeUnit(unit: Unit, run: RunRecord, plan: RunPlan, reason: string, deps: SweepDeps): Promise<boolean> {
  const { store, clock } = deps;
  const claim = await store.claimUnit(run.runId, unit.unitId, clock.now(), leaseMsFor(deps.workerTimeoutMs));
  if (claim.status === 'done') return true;
  if (claim.status === 'busy') return false;
  const journal = plan.compiled.terminal ? new StoreJournal(store, run.runId, unit.unitId) : undefined;
  const recovery = await recoverUnit(unit, {
    store, payloads: plan.compiled.payloads, journaled: journal !== undefined, mode: 'sweep', dropReason: reason, now: clock.now(), runId: unit.runId, terminal: plan.compiled.terminal,
  });
  const results: UnitResult[] = [recovery.recorder.result(clock.now())];
  if (recovery.resume.length > 0) {
    // The stop is already given: cleanup waits are cut short and nothing new starts.
    const stop = new AbortController();
    stop.abort(reason);
    const events = new EventBuffer(plan.loaded.redactor);
    const rt = fleetRuntime({
      runId: run.runId, plan, clock, http: deps.http, events, stop: stop.signal, kill: new AbortController().signal, journal,
      deadline: clock.now() + deps.workerTimeoutMs,
    });
    const outcome = await runUnit({ kind: 'resume', runId: run.runId, unitId: `${unit.unitId}.s`, cursors: recovery.resume }, rt);
    if (outcome.result) results.push(outcome.result);
    if (events.rows > 0) await deps.objects.put(`runs/${run.runId}/events/${unit.unitId}.sweep.csv`, events.text(), 'text/csv');
  }
  await store.completeUnit(run.runId, unit.unitId, claim.token, mergeUnitResults(results), { status: 'SWEPT', worker: 'sweep' });
  return true;
}
