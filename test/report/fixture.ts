import { Recorder } from '../../lib/core/recorder/recorder.ts';
import { buildRunReport } from '../../lib/core/report/build-report.ts';
import type { RunReport } from '../../lib/core/report/model.ts';

/** A day-in-life-like report: 200 orders, 170 activated and ended, 30 cancelled, 3 left non-terminal. */
export function sampleReport(): RunReport {
  const recorder = new Recorder(Date.UTC(2025, 0, 1, 12, 0, 0));
  for (let i = 0; i < 200; i++) {
    recorder.recordAttempt({ endpoint: 'create', latencyMs: 10 + (i % 50), status: 202, retry: false });
    recorder.recordTransition(undefined, 'created');
  }
  for (let i = 0; i < 170; i++) {
    recorder.recordAttempt({ endpoint: 'activate', latencyMs: 20, status: 200, retry: false });
    recorder.recordTransition('created', 'activated');
    recorder.recordTransition('activated', 'ended');
  }
  for (let i = 0; i < 30; i++) recorder.recordTransition('created', 'cancelled');
  recorder.recordAttempt({ endpoint: 'end', latencyMs: 30_000, errorKind: 'timeout', retry: true });
  for (let i = 0; i < 197; i++) recorder.recordLifecycle({ outcome: 'completed', index: i, key: `ORD-${i}`, state: 'ended', terminal: true });
  for (let i = 197; i < 200; i++) {
    recorder.recordLifecycle({ outcome: 'failed', index: i, key: `ORD-${i}`, state: 'activated', terminal: false, reason: 'end: timeout' });
  }
  for (let b = 0; b < 10; b++) recorder.recordBatch(2000 + b * 100);
  return buildRunReport({
    runId: 'run-42',
    plan: { name: 'orders', kind: 'day-in-life', entity: 'order' },
    status: 'completed',
    planned: 200,
    result: recorder.result(Date.UTC(2025, 0, 1, 12, 3, 20)),
    expectations: [
      { rule: 'create p95 below 500ms', ok: true, expected: '< 500ms', actual: '58.0ms' },
      { rule: 'nonTerminal equals 0', ok: false, expected: '0', actual: '3' },
    ],
    notes: ['the target restarted once'],
  });
}
