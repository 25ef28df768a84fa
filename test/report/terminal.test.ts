import { describe, expect, it } from 'vitest';
import { renderSummary } from '../../lib/report/terminal.ts';
import { sampleReport } from './fixture.ts';

describe('Function: renderSummary', () => {
  it('shows the run, status, duration and lifecycle outcomes', () => {
    // Act
    const text = renderSummary(sampleReport());

    // Assess
    expect(text).toContain('Run run-42 (orders, day-in-life): COMPLETED in 3m 20s');
    expect(text).toContain('planned 200, completed 197, failed 3, dropped 0');
    expect(text).toContain('reasons: end: timeout 3');
    expect(text).not.toContain('unaccounted');
  });

  it('lists entity states in lifecycle order, labelled by the entity', () => {
    // Act
    const text = renderSummary(sampleReport());

    // Assess
    expect(text).toContain('orders:       created 200, activated 170, cancelled 30, ended 170');
  });

  it('lists the first non-terminal lifecycles with reasons and counts the rest', () => {
    // Act
    const text = renderSummary(sampleReport(), { maxNonTerminal: 2 });

    // Assess
    expect(text).toContain('Non-terminal  3');
    expect(text).toContain('#197 ORD-197  activated: end: timeout');
    expect(text).toContain('#198 ORD-198');
    expect(text).not.toContain('#199 ORD-199');
    expect(text).toContain('... and 1 more');
  });

  it('renders one aligned row per endpoint and a total', () => {
    // Act
    const lines = renderSummary(sampleReport()).split('\n');

    // Assess
    const header = lines.find((line) => line.startsWith('Endpoint')) ?? '';
    const create = lines.find((line) => line.startsWith('create')) ?? '';
    const end = lines.find((line) => line.startsWith('end ')) ?? '';
    const total = lines.find((line) => line.startsWith('Total')) ?? '';
    expect(header.split(/\s{2,}/)).toEqual(['Endpoint', 'Requests', 'OK', 'Errors', 'Retries', 'p50 ms', 'p95 ms', 'p99 ms']);
    expect(create.split(/\s+/).slice(0, 5)).toEqual(['create', '200', '200', '0.00%', '0']);
    expect(end.split(/\s+/).slice(0, 5)).toEqual(['end', '1', '0', '100.00%', '1']);
    expect(total.split(/\s+/).slice(0, 5)).toEqual(['Total', '371', '370', '0.27%', '1']);
    expect(header.indexOf('p99 ms') + 'p99 ms'.length).toBe(create.length);
    expect(lines).toContain('  1.85 requests/s');
    expect(lines).toContain('  errors: 1 (end/timeout 1)');
  });

  it('shows each expectation with expected and actual values', () => {
    // Act
    const text = renderSummary(sampleReport());

    // Assess
    expect(text).toContain('Expectations  1/2 passed');
    expect(text).toMatch(/PASS {2}create p95 below 500ms {2}expected < 500ms, actual 58\.0ms/);
    expect(text).toMatch(/FAIL {2}nonTerminal equals 0 +expected 0, actual 3/);
    expect(text).toContain('  - the target restarted once');
  });

  it('is plain text unless colour is asked for', () => {
    // Act
    const plain = renderSummary(sampleReport());
    const coloured = renderSummary(sampleReport(), { color: true });

    // Assess
    expect(plain).not.toContain('\u001b[');
    expect(coloured).toContain('\u001b[31mFAIL\u001b[0m');
  });

  it('flags lifecycles that are unaccounted for', () => {
    // Prepare
    const report = sampleReport();
    report.lifecycles.planned = 205;
    report.lifecycles.inProgress = 5;

    // Act
    const text = renderSummary(report);

    // Assess
    expect(text).toContain('unaccounted 5');
  });
});
