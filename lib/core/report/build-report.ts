/**
 * The one report builder: a finished run (merged result, plan, notes, how it stopped) in, the judged and
 * masked `RunReport` out. Every driver calls it: the in-process driver, the worker-thread coordinator and
 * the fleet's aggregate step.
 */
import { evaluateExpectations } from '../plan/expectations.ts';
import type { ExpectationResult } from '../plan/expectations.ts';
import type { Plan } from '../plan/schema.ts';
import { summarizeResult } from '../recorder/summary.ts';
import type { UnitResult } from '../recorder/types.ts';
import type { Redactor } from '../redactor.ts';
import type { FleetFigures, RunReport, RunReportPlan, RunStatus } from './model.ts';

/** Everything `buildReport` needs about a finished run, whichever driver ran it. */
export interface FinishedRun {
  readonly plan: Plan;
  /** The plan's kind as the user wrote it (a preset's name, or `custom`). */
  readonly kind: string;
  readonly runId: string;
  /** The merged result of every unit (`mergeUnitResults`). */
  readonly result: UnitResult;
  /** How many lifecycles the plan asked for; undefined for open-ended models. */
  readonly planned: number | undefined;
  /** Values captured by the plan's verify steps. */
  readonly verified?: Record<string, unknown> | undefined;
  /** The driver's notes (plan warnings, stops, takeovers), in order. */
  readonly notes: readonly string[];
  /** The plan's setup steps failed, so the load never started: status `failed`. */
  readonly setupFailed?: boolean;
  /** The run was stopped by the user (first SIGINT, `fleet stop`): status `aborted`. */
  readonly aborted: boolean;
  /** The abort rule's verdict, when it stopped the run: status `failed`, the verdict the first note. */
  readonly abortedBy?: string | undefined;
  /** Masks the plan's secrets in the finished report (verified values, keys, reasons, notes, expectations). */
  readonly redactor: Redactor;
  /** How a fleet run was spread over its workers (the fleet's aggregate step only). */
  readonly fleet?: FleetFigures | undefined;
}

/**
 * `buildReport` is the one report builder every driver calls (the in-process driver, the worker-thread
 * coordinator, the fleet's aggregate step): it assembles the figures (`buildRunReport`), judges the
 * plan's expectations against them, decides the status (`aborted` after a user's stop; `failed` when
 * setup or an expectation failed or the abort rule stopped the run; else `completed`), and masks the
 * result. Expectations are judged on the real values; only then does every string of the report (and
 * every key) go through `redactor`, so a report never leaves here holding a secret.
 *
 * @example
 * const report = buildReport({ plan, kind: 'day-in-life', runId, result: mergeUnitResults(results),
 *   planned: 200, notes: [], aborted: false, redactor: loaded.redactor });
 */
export function buildReport(run: FinishedRun): RunReport {
  const { plan } = run;
  const draft = buildRunReport({
    runId: run.runId, plan: { name: plan.name, kind: run.kind, entity: plan.entity?.name }, status: 'completed',
    planned: run.planned, result: run.result, expectations: [], verified: run.verified,
    phases: plan.load.model === 'phases' ? plan.load.phases.map((p) => ({ name: p.name, durationMs: p.duration })) : undefined,
  });
  const expectations = evaluateExpectations(plan.expect, {
    lifecycles: { ...draft.lifecycles, nonTerminal: draft.nonTerminal.count },
    states: draft.states,
    errorRate: draft.totals.errorRate,
    endpoints: draft.endpoints,
    verified: run.verified ?? {},
  });
  const failed = (run.setupFailed ?? false) || run.abortedBy !== undefined || expectations.some((e) => !e.ok);
  const status: RunStatus = run.aborted ? 'aborted' : failed ? 'failed' : 'completed';
  // The abort rule's verdict leads the notes, once, whichever thread or worker also noted it.
  const notes = run.abortedBy !== undefined ? [run.abortedBy, ...run.notes.filter((note) => note !== run.abortedBy)] : run.notes;
  const report = run.redactor.value({ ...draft, status, expectations, notes: [...draft.notes, ...notes] });
  // The fleet's figures are counts: nothing in them to mask.
  return run.fleet ? { ...report, fleet: { ...run.fleet } } : report;
}

/** Everything `buildRunReport` needs. */
export interface RunReportInput {
  runId: string;
  plan: RunReportPlan;
  status: RunStatus;
  /** How many lifecycles the plan asked for; undefined for open-ended models (then: as many as started). */
  planned: number | undefined;
  /** Values captured by the plan's verify steps. */
  verified?: Record<string, unknown> | undefined;
  /** Phases of a `phases` run, in plan order, with their planned durations (for rates). */
  phases?: ReadonlyArray<{ name: string; durationMs: number }> | undefined;
  /** The merged result of every unit. */
  result: UnitResult;
  expectations: ExpectationResult[];
  notes?: string[];
}

/**
 * `buildRunReport` assembles the figures of a `RunReport` from a merged result, with the status,
 * expectations and notes it is given: it summarises the result (computing percentiles once) and copies
 * only the named fields of the input. It judges and masks nothing: that is `buildReport`, which starts
 * here; on its own it serves renderers' tests and tools that make a report from a bare result.
 *
 * @example
 * const report = buildRunReport({ runId, plan: { name: 'orders', kind: 'day-in-life', entity: 'order' },
 *   status: 'completed', planned: 200, result: mergeUnitResults(results), expectations });
 */
export function buildRunReport(input: RunReportInput): RunReport {
  const { result } = input;
  const summary = summarizeResult(result);
  const { completed, failed, dropped, reasons } = summary.lifecycles;
  const plan: RunReportPlan = { name: input.plan.name, kind: input.plan.kind };
  if (input.plan.entity !== undefined) plan.entity = input.plan.entity;
  const planned = input.planned ?? completed + failed + dropped;
  return {
    version: 1,
    runId: input.runId,
    plan,
    status: input.status,
    startedAt: new Date(result.startedAt).toISOString(),
    endedAt: new Date(result.endedAt).toISOString(),
    durationMs: result.endedAt - result.startedAt,
    lifecycles: { planned, completed, failed, dropped, inProgress: planned - (completed + failed + dropped), reasons },
    states: summary.states,
    transitions: { ...result.transitions },
    nonTerminal: { count: result.nonTerminalCount, entries: result.nonTerminal.map((entry) => ({ ...entry })) },
    endpoints: summary.endpoints,
    totals: summary.totals,
    batches: summary.batches,
    ...(result.starts ? { starts: { count: result.starts.count, skewMs: result.starts.lastAt - result.starts.firstAt } } : {}),
    ...(input.verified ? { verified: structuredClone(input.verified) } : {}),
    ...(input.phases && summary.phases
      ? {
          phases: input.phases.map(({ name, durationMs }) => {
            const p = summary.phases?.[name] ?? { requests: 0, errors: 0, errorRate: 0, tasks: {}, endpoints: {}, latencyMs: summary.totals.latencyMs };
            return { name, durationMs, rps: durationMs > 0 ? p.requests / (durationMs / 1000) : 0, ...p };
          }),
        }
      : {}),
    expectations: input.expectations.map(({ rule, ok, expected, actual }) => ({ rule, ok, expected, actual })),
    notes: [...(input.notes ?? [])],
  };
}
