import type { Histogram } from 'hdr-histogram-js';
import type { ErrorKind } from '../errors.ts';
import { decodeHistogram, mergeHistograms } from './histogram.ts';
import type { EndpointResult, PhaseResult, UnitResult } from './types.ts';

/** Latency (or duration) distribution in milliseconds, read from an HDR histogram. */
export interface DistributionMs {
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/** `EndpointSummary` is one endpoint's counts, rates and latency percentiles. */
export interface EndpointSummary {
  attempts: number;
  ok: number;
  /** Failed attempts by kind. */
  errors: Partial<Record<ErrorKind, number>>;
  /** Failed attempts of every kind. */
  errorCount: number;
  /** errorCount / attempts (0 when nothing was attempted). */
  errorRate: number;
  retries: number;
  statusCodes: Record<string, number>;
  latencyMs: DistributionMs;
}

/** `ResultSummary` is what a person (or an expectation) reads from a merged `UnitResult`. */
export interface ResultSummary {
  endpoints: Record<string, EndpointSummary>;
  totals: {
    /** Attempts over every endpoint (retries included). */
    requests: number;
    errors: number;
    errorRate: number;
    /** Requests per second over the result's time span (0 when the span is empty). */
    rps: number;
    /** Latency over every endpoint, from the merged histograms (never averaged). */
    latencyMs: DistributionMs;
  };
  lifecycles: { completed: number; failed: number; dropped: number; reasons: Record<string, number> };
  /** How many times each entity state was entered, from the `to` side of every transition. */
  states: Record<string, number>;
  batches: { count: number; durationMs: DistributionMs };
  /** Per-phase figures of a `phases` run. */
  phases?: Record<string, PhaseSummary>;
}

/** What one phase did: requests, errors, latency over its endpoints, and the realised task mix. */
export interface PhaseSummary {
  requests: number;
  errors: number;
  errorRate: number;
  latencyMs: DistributionMs;
  /** Tasks started, and each task's share of them. */
  tasks: Record<string, { count: number; share: number }>;
  endpoints: Record<string, EndpointSummary>;
}

/**
 * `summarizeResult` computes counts, rates and percentiles from a (usually merged) `UnitResult`. This is
 * the one place percentiles are computed: from decoded histograms, after merging, never by averaging.
 *
 * @example
 * const summary = summarizeResult(mergeUnitResults(results));
 * summary.endpoints['create']?.latencyMs.p95; // ms
 */
export function summarizeResult(result: UnitResult): ResultSummary {
  const { endpoints, requests, errors } = summarizeEndpoints(result.endpoints);

  const states: Record<string, number> = {};
  for (const [key, count] of Object.entries(result.transitions)) {
    const to = key.slice(key.lastIndexOf('->') + 2);
    states[to] = (states[to] ?? 0) + count;
  }

  const spanSeconds = (result.endedAt - result.startedAt) / 1000;
  return {
    endpoints,
    totals: {
      requests, errors, errorRate: ratio(errors, requests), rps: spanSeconds > 0 ? requests / spanSeconds : 0,
      latencyMs: distributionMs(mergeHistograms(Object.values(result.endpoints).map((e) => e.histogram))),
    },
    lifecycles: { ...result.lifecycles, reasons: { ...result.lifecycles.reasons } },
    states,
    batches: { count: result.batches.count, durationMs: distributionMs(decodeHistogram(result.batches.histogram)) },
    ...(result.phases ? { phases: summarizePhases(result.phases) } : {}),
  };
}

function ratio(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

/** Reads a microsecond histogram as milliseconds; an empty histogram reads as all zeros. */
function distributionMs(histogram: Histogram): DistributionMs {
  if (histogram.totalCount === 0) return { min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
  const ms = (us: number): number => us / 1000;
  return {
    min: ms(histogram.minNonZeroValue),
    mean: ms(histogram.mean),
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
  };
}

/** Summarises one endpoint table: per-endpoint figures plus request and error totals. */
function summarizeEndpoints(table: Record<string, EndpointResult>): { endpoints: Record<string, EndpointSummary>; requests: number; errors: number } {
  const endpoints: Record<string, EndpointSummary> = {};
  let requests = 0;
  let errors = 0;
  for (const [name, endpoint] of Object.entries(table)) {
    const errorCount = Object.values(endpoint.errors).reduce((sum, n) => sum + n, 0);
    endpoints[name] = {
      attempts: endpoint.attempts,
      ok: endpoint.ok,
      errors: { ...endpoint.errors },
      errorCount,
      errorRate: ratio(errorCount, endpoint.attempts),
      retries: endpoint.retries,
      statusCodes: { ...endpoint.statusCodes },
      latencyMs: distributionMs(decodeHistogram(endpoint.histogram)),
    };
    requests += endpoint.attempts;
    errors += errorCount;
  }
  return { endpoints, requests, errors };
}

function summarizePhases(phases: Record<string, PhaseResult>): Record<string, PhaseSummary> {
  const out: Record<string, PhaseSummary> = {};
  for (const [name, phase] of Object.entries(phases)) {
    const { endpoints, requests, errors } = summarizeEndpoints(phase.endpoints);
    const started = Object.values(phase.tasks).reduce((a, b) => a + b, 0);
    const tasks: PhaseSummary['tasks'] = {};
    for (const [task, count] of Object.entries(phase.tasks)) tasks[task] = { count, share: ratio(count, started) };
    out[name] = {
      requests, errors, errorRate: ratio(errors, requests), tasks, endpoints,
      latencyMs: distributionMs(mergeHistograms(Object.values(phase.endpoints).map((e) => e.histogram))),
    };
  }
  return out;
}
