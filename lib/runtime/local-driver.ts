import { compilePlan } from '../core/engine/compile-plan.ts';
import { RequestExecutor } from '../core/engine/request-executor.ts';
import { RunGuard } from '../core/engine/run-guard.ts';
import type { TracePropagation } from '../core/engine/trace-headers.ts';
import { parseBaseUrl } from '../core/plan/base-url.ts';
import type { Plan } from '../core/plan/schema.ts';
import { planUnitList, shardOf, type UnitList } from '../core/planner.ts';
import type { Clock, EventSink, HttpClient, RunStore } from '../core/ports.ts';
import { mergeUnitResults } from '../core/recorder/merge.ts';
import type { UnitResult } from '../core/recorder/types.ts';
import { buildReport } from '../core/report/build-report.ts';
import type { RunReport } from '../core/report/model.ts';
import type { Unit } from '../core/units.ts';
import { MemoryRunStore } from '../adapters/local/memory-run-store.ts';
import { recordDropped } from '../core/load/leftovers.ts';
import { Recorder } from '../core/recorder/recorder.ts';
import { Redactor } from '../core/redactor.ts';
import { ErrorRateWindow } from '../core/resilience/error-rate-window.ts';
import { lifecycleEnv, runSystemSteps, runUnit, type InProcessUnits, type UnitRuntime } from './run-unit.ts';

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
  /** Masks the plan's secrets in the report (`LoadedPlan.redactor`); default: nothing to mask. */
  readonly redactor?: Redactor | undefined;
  /** Receives the live counters; the object is updated in place while the run goes on. */
  readonly onStart?: (progress: Readonly<LiveProgress>) => void;
  /** Run only units i with i mod count === index (a worker thread's share); default all. */
  readonly shard?: { readonly index: number; readonly count: number } | undefined;
  /** Common absolute start of open-model and burst units (sent by the threads' coordinator). */
  readonly startAt?: number | undefined;
  /** Leave setup and verify to the caller (worker threads: the main thread owns them). */
  readonly skipSystemSteps?: boolean | undefined;
  /** Told the abort rule's verdict the moment it fires (a worker thread tells the main thread). */
  readonly onAbortRule?: ((verdict: string) => void) | undefined;
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

  // Units are built as the pool takes them (`UnitList`): a run never holds every batch's indices.
  const shard = opts.shard;
  const plannedUnits = (startAt: number): { units: UnitList; planned: number | undefined; parallel: number } => {
    const all = planUnitList(plan, opts.runId, compiled.payloads, startAt);
    if (!shard || shard.count <= 1) return all;
    return { ...all, units: shardOf(all.units, shard.index, shard.count), parallel: Math.max(1, Math.ceil(all.parallel / shard.count)) };
  };
  let { units, planned, parallel } = plannedUnits(opts.startAt ?? startedAt + START_LEAD_MS);
  const progress: LiveProgress = { planned: planned ?? 0, started: 0, lifecycles: 0, requests: 0, errors: 0, unitsDone: 0, unitsPlanned: units.length };
  opts.onStart?.(progress);
  const store = opts.store ?? new MemoryRunStore();
  const propagation = plan.target.propagation ? await tracePropagation(plan.seed, { ...plan.target.propagation.baggage, 'loadfleet.run': opts.runId }) : undefined;
  // The abort rule stops the run through the guard, like a cap; its verdict says it was the rule.
  const errorRate = plan.limits.abortOnErrorRate ? new ErrorRateWindow(plan.limits.abortOnErrorRate) : undefined;
  if (errorRate && opts.onAbortRule) {
    const tell = opts.onAbortRule;
    guard.signal.addEventListener('abort', () => errorRate.verdict !== undefined && tell(errorRate.verdict), { once: true });
  }
  const executor = new RequestExecutor({
    http: opts.http, clock, events: opts.events, guard, breaker: plan.target.circuitBreaker, progress, propagation, maxRps: plan.limits.maxRps, origin: parseBaseUrl(plan.target.baseUrl).origin, errorRate,
  });
  const runtime: UnitRuntime = { compiled, runId: opts.runId, clock, executor, events: opts.events, store, stop: guard.signal, kill: opts.kill, progress, propagation };

  const notes: string[] = (opts.warnings ?? []).map((w) => `warning: ${w}`);
  let verified: Record<string, unknown> | undefined;
  const setup: { ok: boolean; failure?: string | undefined; vars?: Readonly<Record<string, unknown>> } = compiled.setup && !opts.skipSystemSteps ? await runSystemSteps('setup', compiled.setup, runtime) : { ok: true };
  if (!setup.ok) {
    // Nothing of the load starts when setup failed: every planned lifecycle is dropped, with the reason.
    notes.push(`setup failed: ${setup.failure}; the load did not start`);
    const recorder = new Recorder(clock.now());
    recordDropped(range(planned ?? 0), lifecycleEnv(runtime, 'load', recorder), 'setup failed');
    await store.saveUnitResult(opts.runId, 'load', recorder.result(clock.now()));
  } else {
    runtime.sharedVars = 'vars' in setup ? setup.vars : undefined;
    // Absolute start times count from the end of setup, so a slow setup never eats into a burst's delay.
    if (compiled.setup) ({ units, planned, parallel } = plannedUnits(clock.now() + START_LEAD_MS));
    // One recorder for every unit of the load (continuations included), saved once as unit `load`:
    // the run holds one set of histograms, and the final merge decodes one result instead of one per unit.
    const recorder = new Recorder(clock.now());
    await drive(units, parallel, runtime, progress, recorder);
    await store.saveUnitResult(opts.runId, 'load', recorder.result(clock.now()));
    if (compiled.verify && !opts.skipSystemSteps) {
      const outcome = await runSystemSteps('verify', compiled.verify, runtime);
      verified = { ...outcome.vars };
      if (!outcome.ok) notes.push(`verify failed: ${outcome.failure}`);
    }
  }
  opts.stop.removeEventListener('abort', onStop);

  const result = mergeUnitResults(await store.unitResults(opts.runId));
  const abortedBy = errorRate?.verdict;
  if (guard.reason !== undefined && !opts.stop.aborted && abortedBy === undefined) notes.push(`run stopped early: ${guard.reason}`);
  const report = buildReport({
    plan, kind: opts.kind, runId: opts.runId, result, planned, verified, notes, setupFailed: !setup.ok, aborted: opts.stop.aborted, abortedBy, redactor: opts.redactor ?? Redactor.none,
  });
  return { report, result };
}

/** Trace-context propagation; OpenTelemetry is loaded only by the runs that propagate. */
async function tracePropagation(seed: number, baggage: Record<string, string>): Promise<TracePropagation> {
  const { TracePropagation } = await import('../core/engine/trace-headers.ts');
  return new TracePropagation(seed, baggage);
}

/** Time between planning and the common start of open-model and burst units, so every unit is ready. */
const START_LEAD_MS = 50;

/**
 * Runs batch units through a pool of `parallel` slots, all recording into `recorder`. Deferred
 * cleanups run beside the pool, never holding a batch slot: a batch's as soon as each lifecycle parks,
 * other units' (bursts) as a continuation unit started when the unit ends.
 */
async function drive(units: UnitList, parallel: number, rt: UnitRuntime, progress: LiveProgress, recorder: Recorder): Promise<void> {
  const running = new Set<Promise<unknown>>();
  let failure: { error: unknown } | undefined;
  const track = (work: Promise<unknown>): void => {
    running.add(work);
    work.then(
      () => running.delete(work),
      (error: unknown) => {
        running.delete(work);
        failure ??= { error };
      },
    );
  };
  const local: InProcessUnits = { recorder, track };
  const runOne = async (unit: Unit): Promise<void> => {
    const outcome = await runUnit(unit, rt, local);
    if (unit.kind !== 'resume') progress.unitsDone++;
    for (const continuation of outcome.continuations) track(runOne(continuation));
  };
  let nextUnit = 0;
  const slot = async (): Promise<void> => {
    while (nextUnit < units.length) await runOne(units.at(nextUnit++));
  };
  await Promise.all(Array.from({ length: Math.min(parallel, units.length) }, slot));
  while (running.size > 0) await Promise.allSettled([...running]);
  if (failure) throw failure.error;
}

/** 0, 1, ..., n - 1, one at a time. */
function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

function reasonOf(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : String(reason ?? 'stop requested');
}
