import type { FleetStore, UnitQueue, UnitRow } from '../../core/fleet/ports.ts';
import type { Clock } from '../../core/ports.ts';
import { dispatchQueued } from './dispatch.ts';
import type { FleetState, ProgressState } from './state.ts';
import { RunNotFoundError } from '../../core/fleet/errors.ts';

/** What a progress check needs. */
export interface ProgressDeps {
  readonly store: FleetStore;
  readonly queue: UnitQueue;
  readonly clock: Clock;
  /** A worker's timeout: how long a claim may live without its worker. */
  readonly workerTimeoutMs: number;
}

/**
 * One turn of the orchestrator's wait loop: stops the run once its deadline passed, re-sends units
 * written but never sent (a worker died between writing a continuation and sending it), and says
 * whether the run is finished: every unit done, or (after a stop or the deadline) no unit held by a
 * live worker any more, so the sweep can take the rest.
 */
export async function checkProgress(state: FleetState, deps: ProgressDeps): Promise<ProgressState> {
  const now = deps.clock.now();
  const run = await deps.store.getRun(state.runId);
  if (!run) throw new RunNotFoundError(state.runId, `progress: run ${state.runId} is not in the run table`);
  if (run.status === 'RUNNING' && now > run.deadline) await deps.store.requestStop(state.runId, 'the run reached its deadline (limits.maxDuration)');
  // Only units a worker wrote a while ago: a worker sends its continuations right after writing them,
  // and re-sending in between would deliver them twice (harmless, but a wasted delivery).
  await dispatchQueued(state.runId, deps.store, deps.queue, now, { writtenBefore: now - RESEND_AFTER_MS });
  const units = await deps.store.listUnits(state.runId, { results: false });
  const outstanding = units.filter((u) => u.status !== 'DONE' && u.status !== 'SWEPT');
  const live = outstanding.filter((u) => heldByLiveWorker(u, now));
  const stopped = run.status !== 'RUNNING' || now > run.deadline;
  // After a stop, queued units are still picked up and closed quickly (their lifecycles counted as
  // dropped); wait for them, but never past the deadline plus one worker timeout. Units claimed by a
  // worker that is gone (lease expired) are left to the sweep.
  const queued = outstanding.some((u) => u.status === 'QUEUED');
  const finished = outstanding.length === 0 || (stopped && live.length === 0 && (!queued || now > run.deadline + deps.workerTimeoutMs));
  return { ...state, finished, outstanding: outstanding.length };
}

/** How long a written unit may stay unsent before a progress check sends it itself. */
export const RESEND_AFTER_MS = 60_000;

/** True while a worker holds the unit under a lease that has not expired. */
export function heldByLiveWorker(unit: UnitRow, now: number): boolean {
  return unit.status === 'CLAIMED' && (unit.leaseUntil ?? 0) > now;
}
