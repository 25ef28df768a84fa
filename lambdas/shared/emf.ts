import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { UnitMetric } from '../../lib/runtime/fleet/unit-metrics.ts';
import { outputRedactor } from './log-redaction.ts';

/** The namespace the dashboard reads (set as POWERTOOLS_METRICS_NAMESPACE by the stack). */
export const METRICS_NAMESPACE = 'Loadfleet';

/**
 * Publishes a unit's metrics as CloudWatch EMF lines through Powertools Metrics: one EMF document per
 * dimension set (run + workload; + endpoint; + error kind), so each metric carries exactly its own
 * closed set of dimensions. Returns nothing: Powertools writes the lines to stdout, which CloudWatch
 * Logs turns into metrics. Dimension values are masked with the secrets this environment has read.
 */
export function publishUnitMetrics(metrics: readonly UnitMetric[], namespace = process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE): void {
  const groups = new Map<string, UnitMetric[]>();
  const redactor = outputRedactor();
  for (const raw of metrics) {
    const metric = { ...raw, dimensions: redactor.value(raw.dimensions) };
    const key = JSON.stringify(metric.dimensions);
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(metric);
  }
  for (const list of groups.values()) {
    const emf = new Metrics({ namespace, serviceName: 'loadfleet' });
    emf.addDimensions({ ...(list[0] as UnitMetric).dimensions });
    for (const metric of list) emf.addMetric(metric.name, metric.unit === 'Count' ? MetricUnit.Count : MetricUnit.Milliseconds, metric.value);
    emf.publishStoredMetrics();
  }
}
