import { compilePlan, type CompiledPlan } from '../core/engine/compile-plan.ts';
import { RequestExecutor } from '../core/engine/request-executor.ts';
import { RunGuard } from '../core/engine/run-guard.ts';
import { TracePropagation } from '../core/engine/trace-headers.ts';
import { evaluateExpectations } from '../core/plan/expectations.ts';
import type { Plan } from '../core/plan/schema.ts';
import { planUnits } from '../core/planner.ts';
import type { Clock, EventSink, HttpClient, RunStore } from '../core/ports.ts';
import { mergeUnitResults } from '../core/recorder/merge.ts';
import type { UnitResult } from '../core/recorder/types.ts';
import { buildRunReport, type RunReport } from '../core/report/model.ts';
import type { Unit } from '../core/units.ts';
import { MemoryRunStore } from '../adapters/local/memory-run-store.ts';
import { recordDropped } from '../core/load/batches.ts';
import { Recorder } from '../core/recorder/recorder.ts';
import { lifecycleEnv, runSystemSteps, runUnit, type UnitRuntime } from './run-unit.ts';

/** Live figures of a running run, for progress displays. */
export interface LiveProgress {
  planned: number;
  /** Lifecycles started (or dropped). */
  started: number;
  /** Lifecycles finished, cleanup included. */
  lifecycles: number;
  requests: number;
  errors: number;
  unitsDone: number;
  unitsPlanned: number;
}

/** Options of `runLocal`. */
export interface LocalRunOptions {
  readonly plan: Plan;
  readonly kind: string;
  readonly runId: string;
  readonly clock: Clock;
  readonly http: HttpClient;
  readonly events: EventSink;
  /** A user's stop (first SIGINT): start nothing new, clean up, report `aborted`. */
  readonly stop: AbortSignal;
  /** A second signal: abandon everything now. */
  readonly kill: AbortSignal;
  readonly store?: RunStore;
  /** Plan warnings, kept in the report's notes. */
  readonly warnings?: readonly string[];
  /** Receives the live counters; the object is updated in place while the run goes on. */
  readonly onStart?: (progress: Readonly<LiveProgress>) => void;
}

/** What a local run produced. */
export interface LocalRunOutcome {
  readonly report: RunReport;
  readonly result: UnitResult;
}

/**
 * `runLocal` is the in-process driver: plan -> units -> run units (at most `parallel` batches at once;
 * deferred cleanups as continuation units beside them) -> sweep -> aggregate -> report. It follows the
 * same phases as the AWS state machine, with an in-memory queue and store.
 */
export async function runLocal(opts: LocalRunOptions): Promise<LocalRunOutcome> {
  const { plan, clock } = opts;
  const compiled = compilePlan(plan);
  const startedAt = clock.now();
  const guard = new RunGuard({ maxRequests: plan.limits.maxRequests, deadline: startedAt + plan.limits.maxDuration, maxConcurrency: plan.limits.maxConcurrency });
  const onStop = (): void => guard.stop(reasonOf(opts.stop));
  if (opts.stop.aborted) onStop();
  opts.stop.addEventListener('abort', onStop, { once: true });

  let { units, planned, parallel } = planUnits(plan, opts.runId, compiled.payloads, startedAt + START_LEAD_MS);
  const progress: LiveProgress = { planned: planned ?? 0, started: 0, lifecycles: 0, requests: 0, errors: 0, unitsDone: 0, unitsPlanned: units.length };
  opts.onStart?.(progress);
  const store = opts.store ?? new MemoryRunStore();
  const propagation = plan.target.propagation ? new TracePropagation(plan.seed, { ...plan.target.propagation.baggage, 'loadfleet.run': opts.runId }) : undefined;
  const executor = new RequestExecutor({ http: opts.http, clock, events: opts.events, guard, breaker: plan.target.circuitBreaker, progress, propagation, maxRps: plan.limits.maxRps });
  const runtime: UnitRuntime = { compiled, runId: opts.runId, clock, executor, events: opts.events, store, stop: guard.signal, kill: opts.kill, progress, propagation };

  const notes: string[] = (opts.warnings ?? []).map((w) => `warning: ${w}`);
  let verified: Record<string, unknown> | undefined;
  const setup: { ok: boolean; failure?: string | undefined; vars?: Readonly<Record<string, unknown>> } = compiled.setup ? await runSystemSteps('setup', compiled.setup, runtime) : { ok: true };
  if (!setup.ok) {
    // Nothing of the load starts when setup failed: every planned lifecycle is dropped, with the reason.
    notes.push(`setup failed: ${setup.failure}; the load did not start`);
    const recorder = new Recorder(clock.now());
    recordDropped(Array.from({ length: planned ?? 0 }, (_, i) => i), lifecycleEnv(runtime, 'load', recorder), 'setup failed');
    await store.saveUnitResult(opts.runId, 'load', recorder.result(clock.now()));
  } else {
    runtime.sharedVars = 'vars' in setup ? setup.vars : undefined;
    // Absolute start times count from the end of setup, so a slow setup never eats into a burst's delay.
    if (compiled.setup) ({ units, planned, parallel } = planUnits(plan, opts.runId, compiled.payloads, clock.now() + START_LEAD_MS));
    await drive(units, parallel, runtime, progress);
    if (compiled.verify) {
      const outcome = await runSystemSteps('verify', compiled.verify, runtime);
      verified = { ...outcome.vars };
      if (!outcome.ok) notes.push(`verify failed: ${outcome.failure}`);
    }
  }
  opts.stop.removeEventListener('abort', onStop);

  const result = mergeUnitResults(await store.unitResults(opts.runId));
  return { report: makeReport(compiled, opts, result, guard, { planned, verified, notes, setupFailed: !setup.ok }), result };
}

/** Time between planning and the common start of open-model and burst units, so every unit is ready. */
const START_LEAD_MS = 50;

/**
 * Runs batch units through a pool of `parallel` slots; each unit's continuation (its deferred
 * cleanups) starts at once beside the pool, so cleanups never hold a batch slot.
 */
async function drive(units: readonly Unit[], parallel: number, rt: UnitRuntime, progress: LiveProgress): Promise<void> {
  const continuations = new Set<Promise<void>>();
  const runOne = async (unit: Unit): Promise<void> => {
    const outcome = await runUnit(unit, rt);
    if (unit.kind !== 'resume') progress.unitsDone++;
    if (outcome.continuation) {
      const next = runOne(outcome.continuation).finally(() => continuations.delete(next));
      continuations.add(next);
    }
  };
  let nextUnit = 0;
  const slot = async (): Promise<void> => {
    while (nextUnit < units.length) await runOne(units[nextUnit++] as Unit);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, units.length) }, slot));
  while (continuations.size > 0) await Promise.all([...continuations]);
}

interface RunExtras {
  readonly planned: number | undefined;
  readonly verified: Record<string, unknown> | undefined;
  readonly notes: readonly string[];
  readonly setupFailed: boolean;
}

function makeReport(compiled: CompiledPlan, opts: LocalRunOptions, result: UnitResult, guard: RunGuard, extras: RunExtras): RunReport {
  const { plan } = compiled;
  const draft = buildRunReport({
    runId: opts.runId, plan: { name: plan.name, kind: opts.kind, entity: plan.entity?.name }, status: 'completed',
    planned: extras.planned, result, expectations: [], verified: extras.verified,
    phases: plan.load.model === 'phases' ? plan.load.phases.map((p) => ({ name: p.name, durationMs: p.duration })) : undefined,
  });
  const expectations = evaluateExpectations(plan.expect, {
    lifecycles: { ...draft.lifecycles, nonTerminal: draft.nonTerminal.count },
    states: draft.states,
    errorRate: draft.totals.errorRate,
    endpoints: draft.endpoints,
    verified: extras.verified ?? {},
  });
  const notes = [...extras.notes];
  if (guard.reason !== undefined && !opts.stop.aborted) notes.push(`run stopped early: ${guard.reason}`);
  const failed = extras.setupFailed || expectations.some((e) => !e.ok);
  const status = opts.stop.aborted ? 'aborted' : failed ? 'failed' : 'completed';
  return { ...draft, status, expectations, notes: [...draft.notes, ...notes] };
}

function reasonOf(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : String(reason ?? 'stop requested');
}
