import { UndiciHttpClient } from '../../lib/adapters/http/undici-client.ts';
import { MemoryFleetStore } from '../../lib/adapters/local/memory-fleet-store.ts';
import { MemoryObjectStore } from '../../lib/adapters/local/memory-object-store.ts';
import { MemoryUnitQueue } from '../../lib/adapters/local/memory-unit-queue.ts';
import { systemClock } from '../../lib/adapters/local/system-clock.ts';
import type { FleetStore } from '../../lib/core/fleet/ports.ts';
import type { Unit } from '../../lib/core/units.ts';
import { aggregateRun, type AggregateOutput } from '../../lib/runtime/fleet/aggregate.ts';
import { dispatchQueued } from '../../lib/runtime/fleet/dispatch.ts';
import type { FleetEnv } from '../../lib/runtime/fleet/fleet-env.ts';
import { planRun } from '../../lib/runtime/fleet/plan-run.ts';
import { checkProgress } from '../../lib/runtime/fleet/progress.ts';
import { sweepRun } from '../../lib/runtime/fleet/sweep.ts';
import { leaseMsFor, parkMarginMs, runFleetUnit, type WorkerOutcome } from '../../lib/runtime/fleet/worker.ts';
import { CrashSwitch } from './fleet-faults.ts';

/** What happens to one delivery of a unit (the n-th, from 1). */
export type DeliveryFault = 'duplicate' | { readonly crashAfterSends: number } | { readonly crashAfterSaving: true } | undefined;

/** Options of `runFleetSim`. */
export interface FleetSimOptions {
  readonly planText: string;
  readonly allowedHosts: readonly string[];
  /** A worker invocation's time limit (park fires a fifth before it). Default 60 s. */
  readonly workerTimeoutMs?: number;
  readonly maxConcurrency?: number;
  readonly fault?: (unit: Unit, delivery: number) => DeliveryFault;
  /** Called every progress check, e.g. to request a stop. */
  readonly onCheck?: (store: FleetStore, runId: string, elapsedMs: number) => Promise<void> | void;
}

/** What a simulated run left behind. */
export interface FleetSimResult {
  readonly output: AggregateOutput;
  readonly store: MemoryFleetStore;
  readonly objects: MemoryObjectStore;
  readonly outcomes: WorkerOutcome[];
  readonly deliveries: Map<string, number>;
}

/**
 * `runFleetSim` runs the fleet's use cases in one process, in the order the state machine calls them
 * (plan, dispatch, wait for the start, progress checks, sweep, aggregate), with an in-memory queue
 * that redelivers like SQS: a failed or lost invocation's unit comes back after the visibility
 * timeout (the claim's lease). Faults are injected per delivery. Real clock, real HTTP (loopback).
 */
export async function runFleetSim(opts: FleetSimOptions): Promise<FleetSimResult> {
  const store = new MemoryFleetStore();
  const queue = new MemoryUnitQueue();
  const objects = new MemoryObjectStore('sim');
  const workerTimeoutMs = opts.workerTimeoutMs ?? 60_000;
  const fleet: FleetEnv = {
    tableName: 't', queueUrl: 'q', bucket: 'sim', allowedHosts: opts.allowedHosts, limits: { maxRps: 5000, maxDurationSeconds: 600, maxRequests: 1_000_000 },
    workerTimeoutMs, startLeadMs: 100, maxConcurrency: opts.maxConcurrency ?? 5,
  };
  const http = new UndiciHttpClient();
  const env = {};
  const clock = systemClock;
  const outcomes: WorkerOutcome[] = [];
  const deliveries = new Map<string, number>();
  try {
    const state = await planRun({ plan: opts.planText }, { store, objects, fleet, env, clock, http: () => new UndiciHttpClient() });
    await dispatchQueued(state.runId, store, queue, clock.now());
    const running = new Set<Promise<unknown>>();
    const visibility = leaseMsFor(workerTimeoutMs) + 50;
    const pending = { count: 0 };
    const redeliver = (unit: Unit): void => {
      pending.count++;
      setTimeout(() => {
        pending.count--;
        void queue.send([unit]);
      }, visibility);
    };
    const deliver = (unit: Unit): void => {
      const n = (deliveries.get(unit.unitId) ?? 0) + 1;
      deliveries.set(unit.unitId, n);
      const fault = opts.fault?.(unit, n);
      const crash = new CrashSwitch(fault && typeof fault === 'object' && 'crashAfterSends' in fault ? fault.crashAfterSends : undefined);
      const afterCompleting = fault !== undefined && typeof fault === 'object' && 'crashAfterSaving' in fault;
      const park = AbortSignal.timeout(workerTimeoutMs - parkMarginMs(workerTimeoutMs));
      const work = runFleetUnit(unit, {
        store: crash.store(store, { afterCompleting }), queue, objects, fleet, env, clock, http: crash.http(http), park, workerId: `env-${running.size}`, stopPollMs: 100,
      });
      const watched = Promise.race([work.then((o) => ({ o })), crash.tripped.then(() => ({ crashed: true }))]).then(
        (r) => {
          if ('o' in r) {
            outcomes.push(r.o);
            // At least once: the same message delivered again after it was handled.
            if (fault === 'duplicate') void queue.send([unit]);
          } else redeliver(unit); // the worker died: SQS shows the message again after its visibility timeout
        },
        () => redeliver(unit), // an error (e.g. UnitBusy): the record is reported failed and comes back
      );
      running.add(watched);
      void watched.finally(() => running.delete(watched));
    };
    const started = clock.now();
    for (;;) {
      while (running.size < fleet.maxConcurrency && queue.size > 0) deliver((queue.take() as { unit: Unit }).unit);
      await opts.onCheck?.(store, state.runId, clock.now() - started);
      const progress = await checkProgress(state, { store, queue, clock, workerTimeoutMs });
      // Like a drained SQS queue: nothing waiting, nothing in flight, no redelivery pending.
      if (progress.finished && queue.size === 0 && running.size === 0 && pending.count === 0) break;
      await clock.sleep(50);
    }
    for (let swept = false; !swept; ) {
      swept = (await sweepRun(state, { store, objects, env, clock, http, workerTimeoutMs })).swept;
      if (!swept) await clock.sleep(100);
    }
    const output = await aggregateRun(state, { store, objects, env, clock, http: () => new UndiciHttpClient() });
    return { output, store, objects, outcomes, deliveries };
  } finally {
    await http.close();
  }
}
