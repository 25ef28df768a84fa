/**
 * The report model: the shape of a run's report, as report.json holds it and the renderers read it.
 * `build-report.ts` builds it, for every driver alike.
 */
import type { DistributionMs, EndpointSummary, PhaseSummary, ResultSummary } from '../recorder/summary.ts';
import type { NonTerminalEntry } from '../recorder/types.ts';
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
 * masked with the plan's secrets before the report leaves `buildReport`.
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
  /** How a fleet (AWS) run was spread over its workers; absent from local runs. */
  fleet?: FleetFigures;
}

/** A fleet run's spread: units planned, workers that finished one, units finished after a takeover. */
export interface FleetFigures {
  units: number;
  workers: number;
  takeovers: number;
}
