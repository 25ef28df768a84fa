import * as z from 'zod';
import { compilePlan, type CompiledPlan } from '../../core/engine/compile-plan.ts';
import { RequestExecutor } from '../../core/engine/request-executor.ts';
import { RunGuard } from '../../core/engine/run-guard.ts';
import type { ErrorRateWindow } from '../../core/resilience/error-rate-window.ts';
import type { LifecycleJournal } from '../../core/engine/journal.ts';
import type { RunRecord } from '../../core/fleet/ports.ts';
import { loadPlan, type LoadedPlan } from '../../core/plan/plan-loader.ts';
import { parseBaseUrl } from '../../core/plan/base-url.ts';
import type { Clock, EventSink, HttpClient } from '../../core/ports.ts';
import { MemoryRunStore } from '../../adapters/local/memory-run-store.ts';
import type { UnitRuntime } from '../run-unit.ts';

/**
 * What the run row keeps of the plan: its source text, not the resolved plan, so `${env:NAME}`
 * secrets are resolved by each function (from the stack's secrets, see lambdas/shared/plan-secrets.ts)
 * and never stored in the table; plus the values the plan's setup steps captured, which every
 * lifecycle starts with (sealed by `SealedFleetStore` when they hold a secret).
 */
export const StoredPlanSchema = z.strictObject({
  text: z.string(),
  file: z.string(),
  sharedVars: z.record(z.string(), z.unknown()).optional(),
});
export type StoredPlan = z.output<typeof StoredPlanSchema>;

/** A run's plan, loaded and compiled once per function instance. */
export interface RunPlan {
  readonly loaded: LoadedPlan;
  readonly compiled: CompiledPlan;
  readonly stored: StoredPlan;
}

const cache = new Map<string, RunPlan>();

/**
 * Loads (and caches, per run id) the plan of a run row. Loading is deterministic, so every worker
 * rebuilds the same payloads, program and units from the same text.
 */
export function runPlanOf(run: RunRecord, env: Readonly<Record<string, string | undefined>>): RunPlan {
  const hit = cache.get(run.runId);
  if (hit) return hit;
  const stored = StoredPlanSchema.parse(run.plan);
  const loaded = loadPlan(stored.text, stored.file, env);
  const entry: RunPlan = { loaded, compiled: compilePlan(loaded.plan), stored };
  if (cache.size > 16) cache.clear();
  cache.set(run.runId, entry);
  return entry;
}

/** Everything a fleet function supplies to run lifecycles of a run. */
export interface FleetRuntimeDeps {
  readonly runId: string;
  readonly plan: RunPlan;
  readonly clock: Clock;
  readonly http: HttpClient;
  readonly events: EventSink;
  readonly stop: AbortSignal;
  readonly kill: AbortSignal;
  readonly park?: AbortSignal | undefined;
  readonly journal?: LifecycleJournal | undefined;
  /** The run's deadline (epoch ms): no request starts after it. */
  readonly deadline: number;
  /** This function's share of the run's request-rate cap. */
  readonly maxRps?: number | undefined;
  /** This worker's abort rule (`limits.abortOnErrorRate`), when it judges its attempts. */
  readonly errorRate?: ErrorRateWindow | undefined;
}

/**
 * Builds the `UnitRuntime` a fleet function hands to `runUnit`. Claims and results are the fleet
 * worker's business (conditional writes with a lease token), so the runtime's own store only lets
 * every unit through and keeps nothing.
 */
export function fleetRuntime(deps: FleetRuntimeDeps): UnitRuntime {
  const { plan } = deps.plan.compiled;
  const guard = new RunGuard({ maxRequests: plan.limits.maxRequests, deadline: deps.deadline, maxConcurrency: plan.limits.maxConcurrency });
  const onStop = (): void => guard.stop(String(deps.stop.reason ?? 'stop requested'));
  if (deps.stop.aborted) onStop();
  else deps.stop.addEventListener('abort', onStop, { once: true });
  const executor = new RequestExecutor({
    http: deps.http, clock: deps.clock, events: deps.events, guard, breaker: plan.target.circuitBreaker, maxRps: deps.maxRps ?? plan.limits.maxRps, origin: parseBaseUrl(plan.target.baseUrl).origin,
    errorRate: deps.errorRate,
  });
  return {
    compiled: deps.plan.compiled, runId: deps.runId, clock: deps.clock, executor, events: deps.events, store: new ClaimAllStore(),
    stop: guard.signal, kill: deps.kill, park: deps.park, journal: deps.journal,
    sharedVars: deps.plan.stored.sharedVars as UnitRuntime['sharedVars'],
  };
}

/**
 * A run store that lets every unit through (the fleet worker claims with a lease itself) and keeps
 * the results `runUnit` and the setup/verify steps save, for the function that is running them.
 */
class ClaimAllStore extends MemoryRunStore {
  override async claimUnit(): Promise<boolean> {
    return true;
  }
}
