import { describe, expect, it } from 'vitest';
import { loadPlan, type LoadedPlan } from '../../../lib/core/plan/plan-loader.ts';
import { Recorder } from '../../../lib/core/recorder/recorder.ts';
import type { UnitResult } from '../../../lib/core/recorder/types.ts';
import { buildReport, buildRunReport, type FinishedRun } from '../../../lib/core/report/build-report.ts';
import type { RunReportInput } from '../../../lib/core/report/build-report.ts';

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

const SECRET = 's3cr3t-token';
const OTHER_SECRET = 'an0ther-key';

/** A plan with three expectations (nothing left non-terminal; stock 0; two distinct codes) and two secrets from the environment. */
function loaded(): LoadedPlan {
  const text = [
    'kind: custom', 'name: orders', 'entity: { name: order, terminal: [ended] }',
    'target: { baseUrl: "http://127.0.0.1:8080", headers: { authorization: "Bearer ${env:TOKEN}", x-key: "${env:KEY}" } }',
    'payloads: { count: 2 }', 'requests: { create: { method: POST, path: / } }', 'lifecycle: [{ request: create }]',
    'load: { model: batches, batchSize: 2, parallel: 1 }',
    'expect: [{ lifecycles: nonTerminal, equals: 0 }, { verified: stock, equals: 0 }, { verified: codes, distinct: { equals: 2 } }]',
  ].join('\n');
  return loadPlan(text, 'plan.yaml', { TOKEN: SECRET, KEY: OTHER_SECRET });
}

/** Two lifecycles: one completed; one whose key, end state and reason hold `text` and is left non-terminal when `open`. */
function resultOf(text: string, open: boolean): UnitResult {
  const recorder = new Recorder(Date.UTC(2025, 0, 1, 12, 0, 0));
  recorder.recordAttempt({ endpoint: 'create', latencyMs: 12, status: 202, retry: false });
  recorder.recordTransition(undefined, 'created');
  recorder.recordLifecycle({ outcome: 'completed', index: 0, key: 'ORD-0', state: 'ended', terminal: true });
  recorder.recordLifecycle({ outcome: 'failed', index: 1, key: `ORD-${text}`, state: 'created', terminal: !open, reason: `create: ${text}` });
  return recorder.result(Date.UTC(2025, 0, 1, 12, 0, 10));
}

function finished(over: Partial<FinishedRun> = {}): FinishedRun {
  const { plan, redactor } = loaded();
  return { plan, kind: 'custom', runId: 'run-9', result: resultOf('x', false), planned: 2, verified: { stock: 0, codes: ['c1', 'c2'] }, notes: [], aborted: false, redactor, ...over };
}

describe('Function: buildReport', () => {
  describe('HAPPY PATH', () => {
    it('judges the plan\'s expectations on the figures and reports completed when all hold', () => {
      // Act
      const report = buildReport(finished({ notes: ['warning: w'] }));

      // Assess
      expect(report).toMatchObject({
        runId: 'run-9', plan: { name: 'orders', kind: 'custom', entity: 'order' }, status: 'completed',
        lifecycles: { planned: 2, completed: 1, failed: 1, dropped: 0, inProgress: 0 }, verified: { stock: 0, codes: ['c1', 'c2'] }, notes: ['warning: w'],
      });
      expect(report.expectations).toEqual([
        { rule: 'lifecycles nonTerminal', ok: true, expected: '= 0', actual: '0' },
        { rule: 'verified stock', ok: true, expected: '= 0', actual: '0' },
        { rule: 'verified codes distinct', ok: true, expected: '= 2', actual: '2' },
      ]);
      expect(report).not.toHaveProperty('fleet');
    });

    it('adds a fleet run\'s spread last, after the notes, as report.json has always had it', () => {
      // Act
      const report = buildReport(finished({ fleet: { units: 4, workers: 2, takeovers: 1 } }));

      // Assess
      expect(report.fleet).toEqual({ units: 4, workers: 2, takeovers: 1 });
      expect(Object.keys(report).slice(-3)).toEqual(['expectations', 'notes', 'fleet']);
    });
  });

  describe('Status', () => {
    it.each([
      { name: 'an expectation fails', over: { result: resultOf('x', true) }, status: 'failed' },
      { name: 'setup failed', over: { setupFailed: true }, status: 'failed' },
      { name: 'the abort rule stopped the run', over: { abortedBy: 'error rate 80% above 50%' }, status: 'failed' },
      { name: 'the user stopped it, even with a failed expectation', over: { aborted: true, result: resultOf('x', true) }, status: 'aborted' },
    ] as Array<{ name: string; over: Partial<FinishedRun>; status: string }>)('is $status when $name', ({ over, status }) => {
      expect(buildReport(finished(over)).status).toBe(status);
    });

    it('puts the abort rule\'s verdict first among the notes, once, however many threads noted it', () => {
      // Prepare
      const verdict = 'error rate 80% above 50%';

      // Act
      const report = buildReport(finished({ abortedBy: verdict, notes: ['warning: w', verdict, 'ran on 2 worker threads', verdict] }));

      // Assess
      expect(report.notes).toEqual([verdict, 'warning: w', 'ran on 2 worker threads']);
    });
  });

  describe('Masking', () => {
    it('masks the plan\'s secrets in every string and key of the report, after judging on the real values', () => {
      // Prepare: the target echoed a secret into a key, a reason, verified values and a note; masked, the two codes look alike
      const run = finished({ result: resultOf(SECRET, true), verified: { stock: 0, codes: [SECRET, OTHER_SECRET], echoed: SECRET }, notes: [`stop: ${SECRET}`] });

      // Act
      const report = buildReport(run);

      // Assess
      const json = JSON.stringify(report);
      expect(json).not.toContain(SECRET);
      expect(report.nonTerminal.entries).toEqual([{ index: 1, key: 'ORD-***', state: 'created', reason: 'create: ***' }]);
      expect(report.lifecycles.reasons).toEqual({ 'create: ***': 1 });
      expect(report.verified).toEqual({ stock: 0, codes: ['***', '***'], echoed: '***' });
      expect(report.notes).toEqual(['stop: ***']);
      expect(report.expectations[0]).toEqual({ rule: 'lifecycles nonTerminal', ok: false, expected: '= 0', actual: '1' });
      // Judged before masking: two distinct codes, though the report shows both as ***
      expect(report.expectations[2]).toEqual({ rule: 'verified codes distinct', ok: true, expected: '= 2', actual: '2' });
    });
  });
});
