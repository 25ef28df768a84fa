import { summarizeResult } from '../recorder/summary.ts';
import type { DistributionMs, EndpointSummary, PhaseSummary, ResultSummary } from '../recorder/summary.ts';
import type { NonTerminalEntry, UnitResult } from '../recorder/types.ts';
import type { ExpectationResult } from '../plan/expectations.ts';

export type { ExpectationResult };

/** `RunStatus` is how a run ended as a whole. */
export type RunStatus = 'completed' | 'aborted' | 'failed';


/** What the report says about the plan: names only, never targets, headers or secrets. */
export interface RunReportPlan {
  name: string;
  kind: string;
  /** What one lifecycle creates, singular (e.g. `order`); used to label the states. */
  entity?: string;
}

/**
 * `RunReport` is the final, JSON-serialisable report of a run: what was planned, what happened to each
 * lifecycle, which states entities reached, what was left non-terminal and why, per-endpoint latency
 * and errors, and the verdict of every expectation. It holds only the fields below, so no header or
 * URL can leak into it; values that can come from the target (verified captures, keys, reasons) are
 * masked with the plan's secrets before the report leaves `buildLocalReport`.
 */
export interface RunReport {
  version: 1;
  runId: string;
  plan: RunReportPlan;
  status: RunStatus;
  /** ISO 8601 timestamps. */
  startedAt: string;
  endedAt: string;
  durationMs: number;
  lifecycles: {
    planned: number;
    completed: number;
    failed: number;
    dropped: number;
    /** planned - (completed + failed + dropped): should be 0 once a run is over; anything else is a lost (or doubled) lifecycle. */
    inProgress: number;
    reasons: Record<string, number>;
  };
  /** How many times each entity state was entered. */
  states: Record<string, number>;
  /** Count per transition, keyed `from->to`. */
  transitions: Record<string, number>;
  nonTerminal: { count: number; entries: NonTerminalEntry[] };
  endpoints: Record<string, EndpointSummary>;
  totals: ResultSummary['totals'];
  batches: { count: number; durationMs: DistributionMs };
  /** Lifecycles with an intended start (open rate, burst): how many, and the spread of their actual send times. */
  starts?: { count: number; skewMs: number };
  /** Values captured by the plan's `verify` steps (read back from the target after the load). */
  verified?: Record<string, unknown>;
  /** Per-phase figures of a `phases` run, in plan order, side by side. */
  phases?: Array<PhaseSummary & { name: string; durationMs: number; rps: number }>;
  expectations: ExpectationResult[];
  notes: string[];
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
 * `buildRunReport` assembles the `RunReport` from a merged result: it summarises the result (computing
 * percentiles once) and copies only the named fields of the input.
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
