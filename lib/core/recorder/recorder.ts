import { EndpointTable } from './endpoint-table.ts';
import { encodeHistogram, newLatencyHistogram, toMicros } from './histogram.ts';
import { countReason, NON_TERMINAL_LIST_CAP } from './types.ts';
import type { AttemptSample, LifecycleOutcome, LifecycleRecord, NonTerminalEntry, PhaseResult, UnitResult } from './types.ts';

/** Key used for `from` when a transition enters the first state. */
export const TRANSITION_START = 'start';
/** Reason counted when a failed or dropped lifecycle gives none. */
export const UNSPECIFIED_REASON = 'unspecified';

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
  private readonly endpoints = new EndpointTable();
  private readonly phases = new Map<string, { endpoints: EndpointTable; tasks: Map<string, number> }>();
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

  /** Records one HTTP attempt; with a `phase`, also into that phase's own table. */
  recordAttempt(sample: AttemptSample): void {
    this.endpoints.record(sample);
    if (sample.phase !== undefined) this.phase(sample.phase).endpoints.record(sample);
  }

  /** Counts one task started in a phase (the realised task mix). */
  recordTask(phase: string, task: string): void {
    const tasks = this.phase(phase).tasks;
    tasks.set(task, (tasks.get(task) ?? 0) + 1);
  }

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
      countReason(this.reasons, rec.reason ?? UNSPECIFIED_REASON);
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
    const endpoints = this.endpoints.result();
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
      ...(this.phases.size > 0 ? { phases: this.phaseResults() } : {}),
    };
  }

  private phase(name: string): { endpoints: EndpointTable; tasks: Map<string, number> } {
    let phase = this.phases.get(name);
    if (!phase) this.phases.set(name, (phase = { endpoints: new EndpointTable(), tasks: new Map() }));
    return phase;
  }

  private phaseResults(): Record<string, PhaseResult> {
    const out: Record<string, PhaseResult> = {};
    for (const [name, phase] of this.phases) out[name] = { tasks: Object.fromEntries(phase.tasks), endpoints: phase.endpoints.result() };
    return out;
  }
}
