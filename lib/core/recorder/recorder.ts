import type { Histogram } from 'hdr-histogram-js';
import type { ErrorKind } from '../errors.ts';
import { encodeHistogram, newLatencyHistogram, toMicros } from './histogram.ts';
import { NON_TERMINAL_LIST_CAP } from './types.ts';
import type { AttemptSample, EndpointResult, LifecycleOutcome, LifecycleRecord, NonTerminalEntry, UnitResult } from './types.ts';

/** Key used for `from` when a transition enters the first state. */
export const TRANSITION_START = 'start';
/** Reason counted when a failed or dropped lifecycle gives none. */
export const UNSPECIFIED_REASON = 'unspecified';

/** Mutable per-endpoint counters; one per endpoint, created on its first sample. */
interface EndpointState {
  attempts: number;
  ok: number;
  retries: number;
  errors: Partial<Record<ErrorKind, number>>;
  statusCodes: Map<number, number>;
  histogram: Histogram;
}

/**
 * `Recorder` accumulates what one unit does: per-endpoint attempt counters and latency histograms,
 * state transitions, lifecycle outcomes and batch durations. It owns the counters, so the code that
 * produces samples holds none. `result()` turns them into a plain, mergeable `UnitResult`.
 *
 * Recording an attempt allocates nothing once the endpoint has been seen: each endpoint's state
 * object (with a fixed-size histogram) is created once and looked up by name.
 *
 * @example
 * const recorder = new Recorder(clock.now());
 * recorder.recordAttempt({ endpoint: 'create', latencyMs: 12.5, status: 202, retry: false });
 * recorder.recordTransition(undefined, 'created');
 * recorder.recordLifecycle({ outcome: 'completed', index: 0, key: 'ORD-1', state: 'ended', terminal: true });
 * const result = recorder.result(clock.now());
 */
export class Recorder {
  private readonly endpoints = new Map<string, EndpointState>();
  /** Transition counts as from -> to -> count (nested, so recording builds no key string). */
  private readonly transitions = new Map<string, Map<string, number>>();
  private readonly reasons = new Map<string, number>();
  private readonly nonTerminal: NonTerminalEntry[] = [];
  private nonTerminalCount = 0;
  private readonly outcomes: Record<LifecycleOutcome, number> = { completed: 0, failed: 0, dropped: 0 };
  private batchCount = 0;
  private readonly batchHistogram = newLatencyHistogram();

  /** @param startedAt epoch ms when the unit started (from the `Clock` port). */
  private starts: { count: number; firstAt: number; lastAt: number } | undefined;

  constructor(private readonly startedAt: number) {}

  /** Records one HTTP attempt: counts, status code, error kind, retry flag and latency. */
  recordAttempt(sample: AttemptSample): void {
    const state = this.endpoint(sample.endpoint);
    state.attempts++;
    if (sample.retry) state.retries++;
    if (sample.errorKind === undefined) state.ok++;
    else state.errors[sample.errorKind] = (state.errors[sample.errorKind] ?? 0) + 1;
    if (sample.status !== undefined) state.statusCodes.set(sample.status, (state.statusCodes.get(sample.status) ?? 0) + 1);
    state.histogram.recordValue(toMicros(sample.latencyMs));
  }

  /** Records that a lifecycle's entity entered state `to`; `from` is undefined for its first state. */
  recordTransition(from: string | undefined, to: string): void {
    const source = from ?? TRANSITION_START;
    let targets = this.transitions.get(source);
    if (targets === undefined) {
      targets = new Map();
      this.transitions.set(source, targets);
    }
    targets.set(to, (targets.get(to) ?? 0) + 1);
  }

  /**
   * Records how a lifecycle ended (call once per lifecycle). Failed and dropped lifecycles count their
   * reason; a lifecycle left non-terminal is listed (up to `NON_TERMINAL_LIST_CAP`) and always counted.
   */
  recordLifecycle(rec: LifecycleRecord): void {
    this.outcomes[rec.outcome]++;
    if (rec.outcome !== 'completed') {
      const reason = rec.reason ?? UNSPECIFIED_REASON;
      this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
    }
    if (!rec.terminal) {
      this.nonTerminalCount++;
      if (this.nonTerminal.length < NON_TERMINAL_LIST_CAP) {
        this.nonTerminal.push({ index: rec.index, key: rec.key, state: rec.state ?? 'unknown', reason: rec.reason ?? rec.outcome });
      }
    }
  }

  /** Records the duration of one batch (a unit body), in milliseconds. */
  /** Records the actual send time of a lifecycle that had an intended start (for start skew). */
  recordStart(at: number): void {
    if (!this.starts) this.starts = { count: 1, firstAt: at, lastAt: at };
    else {
      this.starts.count++;
      if (at < this.starts.firstAt) this.starts.firstAt = at;
      if (at > this.starts.lastAt) this.starts.lastAt = at;
    }
  }

  recordBatch(durationMs: number): void {
    this.batchCount++;
    this.batchHistogram.recordValue(toMicros(durationMs));
  }

  /**
   * Returns everything recorded so far as a plain JSON `UnitResult`. It copies, so the recorder can keep
   * recording and the result never changes under the caller.
   *
   * @param endedAt epoch ms when the unit ended.
   */
  result(endedAt: number): UnitResult {
    const endpoints: Record<string, EndpointResult> = {};
    for (const [name, state] of this.endpoints) {
      const statusCodes: Record<string, number> = {};
      for (const [code, count] of [...state.statusCodes].sort((a, b) => a[0] - b[0])) statusCodes[String(code)] = count;
      endpoints[name] = {
        attempts: state.attempts,
        ok: state.ok,
        retries: state.retries,
        errors: { ...state.errors },
        statusCodes,
        histogram: encodeHistogram(state.histogram),
      };
    }
    const transitions: Record<string, number> = {};
    for (const [from, targets] of this.transitions) {
      for (const [to, count] of targets) transitions[`${from}->${to}`] = count;
    }
    return {
      version: 1,
      startedAt: this.startedAt,
      endedAt,
      endpoints,
      lifecycles: {
        ...this.outcomes,
        reasons: Object.fromEntries(this.reasons),
      },
      transitions,
      nonTerminal: this.nonTerminal.map((entry) => ({ ...entry })),
      nonTerminalCount: this.nonTerminalCount,
      batches: { count: this.batchCount, histogram: encodeHistogram(this.batchHistogram) },
      ...(this.starts ? { starts: { ...this.starts } } : {}),
    };
  }

  private endpoint(name: string): EndpointState {
    let state = this.endpoints.get(name);
    if (state === undefined) {
      state = { attempts: 0, ok: 0, retries: 0, errors: {}, statusCodes: new Map(), histogram: newLatencyHistogram() };
      this.endpoints.set(name, state);
    }
    return state;
  }
}
