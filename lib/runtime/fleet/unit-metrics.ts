import { summarizeResult } from '../../core/recorder/summary.ts';
import type { UnitResult } from '../../core/recorder/types.ts';

/** One metric of a unit, with its dimensions (a closed set: run id, workload, endpoint, error kind). */
export interface UnitMetric {
  readonly name: 'requests' | 'errors' | 'latencyP50' | 'latencyP99' | 'latencyMax' | 'lifecyclesCompleted' | 'lifecyclesFailed' | 'lifecyclesDropped';
  readonly unit: 'Count' | 'Milliseconds';
  readonly value: number;
  readonly dimensions: Readonly<{ runId: string; workload: string; endpoint?: string; errorKind?: string }>;
}

/**
 * The metrics a worker publishes (as CloudWatch EMF) when it finishes a unit: requests and errors
 * by endpoint and error kind, latency percentiles of the unit by endpoint, lifecycles by outcome.
 * Unit percentiles are for live dashboards only: the report merges histograms and computes the run's
 * percentiles once, never averaging these.
 */
export function unitMetrics(result: UnitResult, runId: string, workload: string): UnitMetric[] {
  const summary = summarizeResult(result);
  const run = { runId, workload };
  const metrics: UnitMetric[] = [
    { name: 'requests', unit: 'Count', value: summary.totals.requests, dimensions: run },
    { name: 'errors', unit: 'Count', value: summary.totals.errors, dimensions: run },
    { name: 'lifecyclesCompleted', unit: 'Count', value: result.lifecycles.completed, dimensions: run },
    { name: 'lifecyclesFailed', unit: 'Count', value: result.lifecycles.failed, dimensions: run },
    { name: 'lifecyclesDropped', unit: 'Count', value: result.lifecycles.dropped, dimensions: run },
  ];
  for (const [endpoint, e] of Object.entries(summary.endpoints)) {
    const dims = { ...run, endpoint };
    metrics.push({ name: 'requests', unit: 'Count', value: e.attempts, dimensions: dims });
    if (e.attempts > 0) {
      metrics.push({ name: 'latencyP50', unit: 'Milliseconds', value: e.latencyMs.p50, dimensions: dims });
      metrics.push({ name: 'latencyP99', unit: 'Milliseconds', value: e.latencyMs.p99, dimensions: dims });
      metrics.push({ name: 'latencyMax', unit: 'Milliseconds', value: e.latencyMs.max, dimensions: dims });
    }
    for (const [errorKind, count] of Object.entries(e.errors)) {
      if (count) metrics.push({ name: 'errors', unit: 'Count', value: count, dimensions: { ...dims, errorKind } });
    }
  }
  return metrics;
}
