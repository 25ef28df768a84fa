import { afterEach, describe, expect, it, vi } from 'vitest';
import { Recorder } from '../../lib/core/recorder/recorder.ts';
import { unitMetrics } from '../../lib/runtime/fleet/unit-metrics.ts';
import { publishUnitMetrics } from '../../lambdas/shared/emf.ts';

/** The EMF document shape CloudWatch accepts (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html). */
interface Emf {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}

function captureStdout(run: () => void): string[] {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter((l) => l.trim().length > 0));
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return lines;
}

afterEach(() => vi.restoreAllMocks());

describe('worker metrics as CloudWatch EMF', () => {
  it('prints valid EMF with the expected metrics and a closed set of dimensions', () => {
    // Prepare: a unit that sent 3 creates (one 503) and 2 polls, and finished 2 lifecycles
    const recorder = new Recorder(0);
    recorder.recordAttempt({ endpoint: 'create', latencyMs: 10, status: 202, retry: false });
    recorder.recordAttempt({ endpoint: 'create', latencyMs: 30, status: 202, retry: false });
    recorder.recordAttempt({ endpoint: 'create', latencyMs: 50, status: 503, errorKind: 'http5xx', retry: false });
    recorder.recordAttempt({ endpoint: 'details', latencyMs: 5, status: 200, retry: false });
    recorder.recordAttempt({ endpoint: 'details', latencyMs: 7, status: 200, retry: false });
    recorder.recordLifecycle({ outcome: 'completed', index: 0, key: 'ORD-1', state: 'ended', terminal: true });
    recorder.recordLifecycle({ outcome: 'failed', index: 1, key: 'ORD-2', state: 'cancelled', terminal: true, reason: 'create: http-5xx 503' });

    // Act
    const lines = captureStdout(() => publishUnitMetrics(unitMetrics(recorder.result(1000), 'run-1', 'day-in-life'), 'Loadfleet'));

    // Assess: every line is one EMF document, dimension names only from the closed set
    const docs = lines.map((l) => JSON.parse(l) as Emf);
    expect(docs.length).toBe(4); // run; run+create; run+details; run+create+http-5xx
    const allowed = new Set(['runId', 'workload', 'endpoint', 'errorKind', 'service']);
    const values = new Map<string, number>();
    for (const doc of docs) {
      const [directive] = doc._aws.CloudWatchMetrics;
      expect(directive?.Namespace).toBe('Loadfleet');
      expect(typeof doc._aws.Timestamp).toBe('number');
      for (const dims of directive?.Dimensions ?? []) for (const d of dims) {
        expect(allowed.has(d)).toBe(true);
        expect(typeof doc[d]).toBe('string');
      }
      for (const m of directive?.Metrics ?? []) {
        expect(typeof doc[m.Name]).toBe('number');
        values.set(`${doc.endpoint ?? '*'}/${doc.errorKind ?? '*'}/${m.Name}`, doc[m.Name] as number);
      }
    }
    expect(values.get('*/*/requests')).toBe(5);
    expect(values.get('*/*/errors')).toBe(1);
    expect(values.get('*/*/lifecyclesCompleted')).toBe(1);
    expect(values.get('*/*/lifecyclesFailed')).toBe(1);
    expect(values.get('create/*/requests')).toBe(3);
    expect(values.get('create/http5xx/errors')).toBe(1);
    expect(values.get('details/*/latencyMax')).toBeCloseTo(7, 0);
    expect(docs.every((d) => d.runId === 'run-1' && d.workload === 'day-in-life')).toBe(true);
  });
});
