import { describe, expect, it } from 'vitest';
import { Recorder } from '../../../lib/core/recorder/recorder.ts';
import { buildRunReport } from '../../../lib/core/report/model.ts';
import type { RunReportInput } from '../../../lib/core/report/model.ts';

function input(): RunReportInput {
  const recorder = new Recorder(Date.UTC(2025, 0, 1, 12, 0, 0));
  recorder.recordAttempt({ endpoint: 'create', latencyMs: 12, status: 202, retry: false });
  recorder.recordAttempt({ endpoint: 'create', latencyMs: 40, status: 500, errorKind: 'http5xx', retry: true });
  recorder.recordTransition(undefined, 'created');
  recorder.recordLifecycle({ outcome: 'completed', index: 0, key: 'ORD-0', state: 'ended', terminal: true });
  recorder.recordLifecycle({ outcome: 'failed', index: 1, key: 'ORD-1', state: 'created', terminal: false, reason: 'end: http5xx' });
  return {
    runId: 'run-1',
    plan: { name: 'orders', kind: 'day-in-life', entity: 'order' },
    status: 'completed',
    planned: 3,
    result: recorder.result(Date.UTC(2025, 0, 1, 12, 3, 20)),
    expectations: [{ rule: 'nonTerminal equals 0', ok: false, expected: '0', actual: '1' }],
    notes: ['resumed once'],
  };
}

describe('Function: buildRunReport', () => {
  it('reports times as ISO, the duration, and lifecycles still in progress', () => {
    // Act
    const report = buildRunReport(input());

    // Assess
    expect(report).toMatchObject({
      version: 1,
      runId: 'run-1',
      plan: { name: 'orders', kind: 'day-in-life', entity: 'order' },
      status: 'completed',
      startedAt: '2025-01-01T12:00:00.000Z',
      endedAt: '2025-01-01T12:03:20.000Z',
      durationMs: 200_000,
      lifecycles: { planned: 3, completed: 1, failed: 1, dropped: 0, inProgress: 1, reasons: { 'end: http5xx': 1 } },
      states: { created: 1 },
      transitions: { 'start->created': 1 },
      nonTerminal: { count: 1, entries: [{ index: 1, key: 'ORD-1', state: 'created', reason: 'end: http5xx' }] },
      totals: { requests: 2, errors: 1, errorRate: 0.5 },
      expectations: [{ rule: 'nonTerminal equals 0', ok: false, expected: '0', actual: '1' }],
      notes: ['resumed once'],
    });
    expect(report.endpoints['create']).toMatchObject({ attempts: 2, ok: 1, retries: 1, errorCount: 1 });
  });

  it('copies only the named fields, so nothing else (headers, secrets) reaches the report', () => {
    // Prepare: a caller passes richer objects than the input type names
    const base = input();
    const leaky = {
      ...base,
      plan: { ...base.plan, target: { headers: { authorization: 'Bearer SECRET' } } },
      expectations: base.expectations.map((e) => ({ ...e, context: { token: 'SECRET' } })),
      headers: { authorization: 'Bearer SECRET' },
    };

    // Act
    const json = JSON.stringify(buildRunReport(leaky));

    // Assess
    expect(json).not.toContain('SECRET');
    expect(json).not.toContain('authorization');
  });

  it('leaves the entity out when the plan names none, and notes empty when none are given', () => {
    // Prepare
    const { notes: _notes, ...rest } = input();

    // Act
    const report = buildRunReport({ ...rest, plan: { name: 'x', kind: 'custom' } });

    // Assess
    expect(report.plan).toEqual({ name: 'x', kind: 'custom' });
    expect(report.notes).toEqual([]);
  });
});
