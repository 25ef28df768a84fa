import { EMPTY_HISTOGRAM, encodeHistogram, mergeHistograms } from './histogram.ts';
import { countReason, NON_TERMINAL_LIST_CAP } from './types.ts';
import type { EndpointResult, NonTerminalEntry, UnitResult } from './types.ts';

export { UnitResultSchema } from './schema.ts';

/**
 * `emptyUnitResult` is a result with nothing recorded, starting and ending at `at` (epoch ms). It is the
 * identity of `mergeUnitResults` except for the time span.
 */
export function emptyUnitResult(at: number): UnitResult {
  return {
    version: 1,
    startedAt: at,
    endedAt: at,
    endpoints: {},
    lifecycles: { completed: 0, failed: 0, dropped: 0, reasons: {} },
    transitions: {},
    nonTerminal: [],
    nonTerminalCount: 0,
    batches: { count: 0, histogram: EMPTY_HISTOGRAM },
  };
}

/**
 * `mergeUnitResults` combines the results of many units into one, exactly: counts add, histograms are
 * decoded, added and re-encoded (so percentiles of the merge equal those of one recorder that saw every
 * sample), the time span runs from the earliest start to the latest end, and non-terminal entries are
 * concatenated in order up to `NON_TERMINAL_LIST_CAP` while their count stays exact.
 *
 * Merging no results gives `emptyUnitResult(0)`. Inputs are not modified.
 *
 * @example
 * const run = mergeUnitResults(unitResults.map((r) => UnitResultSchema.parse(r)));
 * const summary = summarizeResult(run);
 */
export function mergeUnitResults(results: readonly UnitResult[]): UnitResult {
  const [first, ...rest] = results;
  if (first === undefined) return emptyUnitResult(0);
  if (rest.length === 0) return structuredClone(first);

  const merged = emptyUnitResult(first.startedAt);
  merged.endedAt = first.endedAt;
  const batchHistograms: string[] = [];
  const nonTerminal: NonTerminalEntry[] = [];
  const phaseNames = new Set(results.flatMap((r) => Object.keys(r.phases ?? {})));

  for (const result of results) {
    merged.startedAt = Math.min(merged.startedAt, result.startedAt);
    merged.endedAt = Math.max(merged.endedAt, result.endedAt);
    merged.lifecycles.completed += result.lifecycles.completed;
    merged.lifecycles.failed += result.lifecycles.failed;
    merged.lifecycles.dropped += result.lifecycles.dropped;
    for (const [reason, n] of Object.entries(result.lifecycles.reasons)) countReason(merged.lifecycles.reasons, reason, n);
    addCounts(merged.transitions, result.transitions);
    for (const entry of result.nonTerminal) {
      if (nonTerminal.length >= NON_TERMINAL_LIST_CAP) break;
      nonTerminal.push({ ...entry });
    }
    merged.nonTerminalCount += result.nonTerminalCount;
    merged.batches.count += result.batches.count;
    if (result.starts) {
      const s = merged.starts;
      merged.starts = s
        ? { count: s.count + result.starts.count, firstAt: Math.min(s.firstAt, result.starts.firstAt), lastAt: Math.max(s.lastAt, result.starts.lastAt) }
        : { ...result.starts };
    }
    batchHistograms.push(result.batches.histogram);
  }

  merged.endpoints = mergeEndpointTables(results.map((r) => r.endpoints));
  if (phaseNames.size > 0) {
    merged.phases = {};
    for (const name of phaseNames) {
      const parts = results.flatMap((r) => (r.phases?.[name] ? [r.phases[name]] : []));
      const tasks: Record<string, number> = {};
      for (const part of parts) addCounts(tasks, part.tasks);
      merged.phases[name] = { tasks, endpoints: mergeEndpointTables(parts.map((p) => p.endpoints)) };
    }
  }
  merged.batches.histogram = encodeHistogram(mergeHistograms(batchHistograms));
  merged.nonTerminal = nonTerminal;
  return merged;
}

/** Merges per-endpoint tables exactly: counts add, histograms are decoded, added and re-encoded. */
function mergeEndpointTables(tables: ReadonlyArray<Record<string, EndpointResult>>): Record<string, EndpointResult> {
  const merged: Record<string, EndpointResult> = {};
  const histograms = new Map<string, string[]>();
  for (const table of tables) {
    for (const [name, endpoint] of Object.entries(table)) {
      addEndpoint((merged[name] ??= emptyEndpoint()), endpoint);
      let list = histograms.get(name);
      if (!list) histograms.set(name, (list = []));
      list.push(endpoint.histogram);
    }
  }
  for (const [name, list] of histograms) (merged[name] as EndpointResult).histogram = encodeHistogram(mergeHistograms(list));
  return merged;
}

function emptyEndpoint(): EndpointResult {
  return { attempts: 0, ok: 0, retries: 0, errors: {}, statusCodes: {}, histogram: EMPTY_HISTOGRAM };
}

function addEndpoint(target: EndpointResult, source: EndpointResult): void {
  target.attempts += source.attempts;
  target.ok += source.ok;
  target.retries += source.retries;
  addCounts(target.errors, source.errors);
  addCounts(target.statusCodes, source.statusCodes);
}

/** Adds each count of `source` into `target`, key by key. */
function addCounts<K extends string>(target: Partial<Record<K, number>>, source: Partial<Record<K, number>>): void {
  for (const key of Object.keys(source) as K[]) {
    target[key] = (target[key] ?? 0) + (source[key] ?? 0);
  }
}
