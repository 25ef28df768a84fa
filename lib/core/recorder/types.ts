import type { ErrorKind } from '../errors.ts';

/** `AttemptSample` is one HTTP attempt as the recorder sees it. */
export interface AttemptSample {
  /** The request's name in the plan (the endpoint dimension). */
  readonly endpoint: string;
  /** Latency in ms, measured from the attempt's intended start. */
  readonly latencyMs: number;
  /** HTTP status, when one came back. */
  readonly status?: number | undefined;
  /** Why the attempt counts as an error; undefined when it succeeded. */
  readonly errorKind?: ErrorKind | undefined;
  /** True when this attempt is a retry (attempt number > 1). */
  readonly retry: boolean;
  /** The load phase the attempt belongs to (`phases` model), for per-phase figures. */
  readonly phase?: string | undefined;
}

/** `LifecycleOutcome` is how one lifecycle ended. Each lifecycle is recorded exactly once. */
export type LifecycleOutcome = 'completed' | 'failed' | 'dropped';

/** Details of a finished lifecycle. */
export interface LifecycleRecord {
  readonly outcome: LifecycleOutcome;
  readonly index: number;
  readonly key: string;
  /** Last entity state the lifecycle reached (undefined if it never created anything). */
  readonly state?: string | undefined;
  /** False when the lifecycle created something on the target and left it in a non-terminal state. */
  readonly terminal: boolean;
  /** Why it failed or was dropped (short, low-cardinality text, e.g. `poll details: max attempts`). */
  readonly reason?: string | undefined;
}

/** Per-endpoint counters and an encoded latency histogram. */
export interface EndpointResult {
  attempts: number;
  ok: number;
  retries: number;
  errors: Partial<Record<ErrorKind, number>>;
  /** Count per HTTP status code, keyed by the code as a string ("202"). */
  statusCodes: Record<string, number>;
  /** HDR histogram of latency in microseconds, compressed base64 (hdr-histogram-js). */
  histogram: string;
}

/** A lifecycle left non-terminal, listed with its reason. */
export interface NonTerminalEntry {
  index: number;
  key: string;
  state: string;
  reason: string;
}

/**
 * `UnitResult` is what one unit (or a merge of many) produced: plain JSON, mergeable, so results from
 * many workers combine exactly. Percentiles are computed only after merging.
 */
export interface UnitResult {
  version: 1;
  /** Earliest start and latest end (epoch ms) of the merged units. */
  startedAt: number;
  endedAt: number;
  endpoints: Record<string, EndpointResult>;
  lifecycles: {
    completed: number;
    failed: number;
    dropped: number;
    /** Count per failure/drop reason. */
    reasons: Record<string, number>;
  };
  /** Count per transition, keyed `from->to` (`from` is `start` for the first state). */
  transitions: Record<string, number>;
  /** Non-terminal lifecycles, capped at `NON_TERMINAL_LIST_CAP`; `nonTerminalCount` is exact. */
  nonTerminal: NonTerminalEntry[];
  nonTerminalCount: number;
  /** Batch (unit body) durations: count and an encoded histogram in microseconds. */
  batches: { count: number; histogram: string };
  /**
   * Actual send times of lifecycles that had an intended start (open-model and burst starts): the
   * earliest and latest, so a burst's start skew (last - first) survives merging. Absent when none.
   */
  starts?: { count: number; firstAt: number; lastAt: number };
  /** Per-phase figures of a `phases` run: tasks started and per-endpoint results. */
  phases?: Record<string, PhaseResult>;
}

/** What one phase of a `phases` run did. */
export interface PhaseResult {
  tasks: Record<string, number>;
  endpoints: Record<string, EndpointResult>;
}

/** How many non-terminal lifecycles a result lists by name (the count stays exact beyond it). */
export const NON_TERMINAL_LIST_CAP = 1000;

/**
 * Distinct failure and drop reasons a result keeps by name; any further reason is counted under
 * `OTHER_REASONS`, so a target that fails in ever new ways cannot grow the report without bound.
 */
export const REASON_CAP = 100;
/** The key reasons beyond `REASON_CAP` are counted under. */
export const OTHER_REASONS = 'other reasons';

/** Counts `n` lifecycles under `reason` in `reasons`, or under `OTHER_REASONS` once `REASON_CAP` reasons are named. */
export function countReason(reasons: Map<string, number> | Record<string, number>, reason: string, n = 1): void {
  if (reasons instanceof Map) {
    const key = reasons.has(reason) || reasons.size < REASON_CAP ? reason : OTHER_REASONS;
    reasons.set(key, (reasons.get(key) ?? 0) + n);
    return;
  }
  const key = Object.hasOwn(reasons, reason) || Object.keys(reasons).length < REASON_CAP ? reason : OTHER_REASONS;
  reasons[key] = (reasons[key] ?? 0) + n;
}
