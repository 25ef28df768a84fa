import type { FleetStore, ObjectStore, RunRecord, UnitRow } from '../../core/fleet/ports.ts';
import type { Clock, HttpClient } from '../../core/ports.ts';
import { mergeUnitResults } from '../../core/recorder/merge.ts';
import { ERROR_RATE_ABORT_PREFIX } from '../../core/resilience/error-rate-window.ts';
import { buildReport } from '../../core/report/build-report.ts';
import { EVENT_CSV_HEADER } from '../../core/report/events-csv.ts';
import type { RunReport } from '../../core/report/model.ts';
import { NullEventSink } from '../../adapters/local/csv-event-sink.ts';
import { runSystemSteps } from '../run-unit.ts';
import { fleetRuntime, runPlanOf } from './run-plan.ts';
import type { FleetState } from './state.ts';
import { RunNotFoundError } from '../../core/fleet/errors.ts';

/** What the aggregate step needs. */
export interface AggregateDeps {
  readonly store: FleetStore;
  readonly objects: ObjectStore;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: Clock;
  /** An HTTP client for the plan's verify steps (only called when the plan has some). */
  readonly http: () => HttpClient;
}

/** The execution's output: the run's outcome in a few figures, and where the report is. */
export interface AggregateOutput {
  readonly runId: string;
  readonly status: RunReport['status'];
  readonly reportUri: string;
  readonly summary: {
    planned: number; completed: number; failed: number; dropped: number; inProgress: number; nonTerminal: number;
    requests: number; errorRate: number; p99Ms: number; workers: number; startSkewMs?: number | undefined;
    expectationsFailed: string[];
  };
}

/** Where the stop reason says the user (not the deadline) stopped the run. */
const DEADLINE_PREFIX = 'the run reached its deadline';

/**
 * The last step: merge every unit's result (histograms merged, never averaged), run the plan's verify
 * steps, evaluate the expectations, write report.json and events.csv to the bucket, mark the run DONE,
 * and return a short summary as the execution's output.
 */
export async function aggregateRun(state: FleetState, deps: AggregateDeps): Promise<AggregateOutput> {
  const { store, objects, clock } = deps;
  const run = await store.getRun(state.runId);
  if (!run) throw new RunNotFoundError(state.runId, `aggregate: run ${state.runId} is not in the run table`);
  const units = await store.listUnits(run.runId);
  const results = units.flatMap((u) => (u.result ? [u.result] : []));
  const plan = runPlanOf(run, deps.env);
  let verified: Record<string, unknown> | undefined;
  const notes = [...run.warnings.map((w) => `warning: ${w}`), ...fleetNotes(run, units)];
  if (plan.compiled.verify) {
    const http = deps.http();
    try {
      const never = new AbortController().signal;
      const rt = fleetRuntime({ runId: run.runId, plan, clock, http, events: new NullEventSink(), stop: never, kill: never, deadline: clock.now() + 60_000 });
      const outcome = await runSystemSteps('verify', plan.compiled.verify, rt);
      verified = { ...outcome.vars };
      if (!outcome.ok) notes.push(`verify failed: ${outcome.failure}`);
      results.push(...(await rt.store.unitResults(run.runId)));
    } finally {
      await http.close();
    }
  }
  const result = mergeUnitResults(results);
  // A worker's abort rule stopped the run: failed, with its verdict; any other stop but the deadline is a user's.
  const abortedBy = run.stopReason?.startsWith(ERROR_RATE_ABORT_PREFIX) ? run.stopReason : undefined;
  const aborted = run.stopReason !== undefined && !run.stopReason.startsWith(DEADLINE_PREFIX) && abortedBy === undefined;
  if (run.stopReason?.startsWith(DEADLINE_PREFIX)) notes.push(`run stopped early: ${run.stopReason}`);
  const workers = new Set(units.flatMap((u) => (u.worker && u.status === 'DONE' ? [u.worker] : []))).size;
  const fleet = { units: units.length, workers, takeovers: units.filter((u) => u.attempts > 1 && u.status === 'DONE').length };
  // The report leaves buildReport masked: the bucket and the execution's output never see a secret.
  const report = buildReport({ plan: plan.loaded.plan, kind: run.kind, runId: run.runId, result, planned: run.planned, verified, notes, aborted, abortedBy, redactor: plan.loaded.redactor, fleet });
  const reportKey = `runs/${run.runId}/report.json`;
  await objects.put(reportKey, JSON.stringify(report, null, 2), 'application/json');
  await joinEvents(run.runId, objects);
  await store.setRunStatus(run.runId, 'DONE', ['RUNNING', 'STOPPING', 'SWEEPING']);
  return {
    runId: run.runId, status: report.status, reportUri: objects.uri(reportKey),
    summary: {
      planned: report.lifecycles.planned, completed: report.lifecycles.completed, failed: report.lifecycles.failed, dropped: report.lifecycles.dropped,
      inProgress: report.lifecycles.inProgress, nonTerminal: report.nonTerminal.count, requests: report.totals.requests, errorRate: report.totals.errorRate,
      p99Ms: report.totals.latencyMs.p99, workers, startSkewMs: report.starts?.skewMs,
      expectationsFailed: report.expectations.filter((e) => !e.ok).map((e) => e.rule),
    },
  };
}

/** Notes only a distributed run has: units taken over after a lost worker, units never run. */
function fleetNotes(run: RunRecord, units: readonly UnitRow[]): string[] {
  const notes: string[] = [];
  const takenOver = units.filter((u) => u.attempts > 1 && u.status === 'DONE');
  const swept = units.filter((u) => u.status === 'SWEPT');
  if (takenOver.length > 0) {
    notes.push(`${takenOver.length} unit(s) taken over after a lost worker (${takenOver.map((u) => `${u.unit.unitId}: ${u.attempts} claims`).join(', ')}); requests their first worker sent are not in the latency figures`);
  }
  if (swept.length > 0) notes.push(`${swept.length} unit(s) closed by the sweep (${swept.map((u) => u.unit.unitId).join(', ')}): their open lifecycles were cleaned up, the ones never started counted as dropped`);
  if (run.stopReason && !run.stopReason.startsWith(ERROR_RATE_ABORT_PREFIX)) notes.push(`stop: ${run.stopReason}`);
  return notes;
}

/** Joins the per-unit event parts into runs/<id>/events.csv (one header), when they fit in memory. */
async function joinEvents(runId: string, objects: ObjectStore): Promise<void> {
  const keys = (await objects.list(`runs/${runId}/events/`)).sort();
  const parts: string[] = [EVENT_CSV_HEADER];
  let size = 0;
  for (const key of keys) {
    const text = (await objects.get(key)) ?? '';
    size += text.length;
    if (size > MAX_JOINED_CHARS) return;
    parts.push(text);
  }
  await objects.put(`runs/${runId}/events.csv`, parts.join(''), 'text/csv');
}

/** Above this the parts stay as they are under events/ (the Lambda would run out of memory joining them). */
const MAX_JOINED_CHARS = 256 * 1024 * 1024;
