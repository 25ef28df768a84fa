import { describe, expect, it } from 'vitest';
import { decodeHistogram, HISTOGRAM_HIGHEST_US } from '../../../lib/core/recorder/histogram.ts';
import { Recorder } from '../../../lib/core/recorder/recorder.ts';
import { mergeUnitResults } from '../../../lib/core/recorder/merge.ts';
import { NON_TERMINAL_LIST_CAP, OTHER_REASONS, REASON_CAP } from '../../../lib/core/recorder/types.ts';

describe('Class: Recorder', () => {
  describe('Method: recordAttempt', () => {
    it('counts attempts, ok, retries, errors by kind and status codes exactly', () => {
      // Prepare
      const recorder = new Recorder(1000);

      // Act
      recorder.recordAttempt({ endpoint: 'create', latencyMs: 10, status: 202, retry: false });
      recorder.recordAttempt({ endpoint: 'create', latencyMs: 20, status: 503, errorKind: 'http5xx', retry: false });
      recorder.recordAttempt({ endpoint: 'create', latencyMs: 30, status: 202, retry: true });
      recorder.recordAttempt({ endpoint: 'create', latencyMs: 30_000, errorKind: 'timeout', retry: true });
      recorder.recordAttempt({ endpoint: 'details', latencyMs: 5, status: 200, retry: false });
      const result = recorder.result(2000);

      // Assess
      expect(result.endpoints['create']).toMatchObject({
        attempts: 4,
        ok: 2,
        retries: 2,
        errors: { http5xx: 1, timeout: 1 },
        statusCodes: { '202': 2, '503': 1 },
      });
      expect(result.endpoints['details']).toMatchObject({ attempts: 1, ok: 1, retries: 0, errors: {}, statusCodes: { '200': 1 } });
      expect(result.startedAt).toBe(1000);
      expect(result.endedAt).toBe(2000);
    });

    it('records latency in microseconds in the endpoint histogram', () => {
      // Prepare
      const recorder = new Recorder(0);

      // Act
      for (let ms = 1; ms <= 100; ms++) recorder.recordAttempt({ endpoint: 'create', latencyMs: ms, status: 202, retry: false });
      const histogram = decodeHistogram(recorder.result(1).endpoints['create']?.histogram ?? '');

      // Assess: 3 significant digits, so values are within 0.1%
      expect(histogram.totalCount).toBe(100);
      expect(histogram.minNonZeroValue).toBe(1000);
      expect(histogram.maxValue).toBeGreaterThanOrEqual(100_000);
      expect(histogram.maxValue).toBeLessThanOrEqual(100_100);
      expect(histogram.getValueAtPercentile(50)).toBeCloseTo(50_000, -2);
    });

    it('clamps latencies outside 1us..1h instead of dropping them', () => {
      // Prepare
      const recorder = new Recorder(0);

      // Act
      recorder.recordAttempt({ endpoint: 'slow', latencyMs: 5 * 3_600_000, retry: false });
      recorder.recordAttempt({ endpoint: 'slow', latencyMs: 0, retry: false });
      recorder.recordAttempt({ endpoint: 'slow', latencyMs: -3, retry: false });
      const histogram = decodeHistogram(recorder.result(1).endpoints['slow']?.histogram ?? '');

      // Assess
      expect(histogram.totalCount).toBe(3);
      expect(histogram.minNonZeroValue).toBe(1);
      expect(histogram.maxValue).toBeGreaterThanOrEqual(HISTOGRAM_HIGHEST_US * 0.999);
    });
  });

  describe('Method: recordTransition', () => {
    it('keys transitions from->to, with start for the first state', () => {
      // Prepare
      const recorder = new Recorder(0);

      // Act
      recorder.recordTransition(undefined, 'created');
      recorder.recordTransition(undefined, 'created');
      recorder.recordTransition('created', 'activated');
      recorder.recordTransition('activated', 'ended');

      // Assess
      expect(recorder.result(1).transitions).toEqual({ 'start->created': 2, 'created->activated': 1, 'activated->ended': 1 });
    });
  });

  describe('Method: recordLifecycle', () => {
    it('counts outcomes and the reasons of failed and dropped lifecycles', () => {
      // Prepare
      const recorder = new Recorder(0);

      // Act
      recorder.recordLifecycle({ outcome: 'completed', index: 0, key: 'a', state: 'ended', terminal: true });
      recorder.recordLifecycle({ outcome: 'failed', index: 1, key: 'b', state: 'created', terminal: true, reason: 'poll details: max attempts' });
      recorder.recordLifecycle({ outcome: 'failed', index: 2, key: 'c', terminal: true, reason: 'poll details: max attempts' });
      recorder.recordLifecycle({ outcome: 'dropped', index: 3, key: 'd', terminal: true });
      const { lifecycles, nonTerminal, nonTerminalCount } = recorder.result(1);

      // Assess
      expect(lifecycles).toEqual({ completed: 1, failed: 2, dropped: 1, reasons: { 'poll details: max attempts': 2, unspecified: 1 } });
      expect(nonTerminal).toEqual([]);
      expect(nonTerminalCount).toBe(0);
    });

    it('keeps at most REASON_CAP reasons by name, counting the rest under OTHER_REASONS, here and when merged', () => {
      // Prepare: every lifecycle fails for a reason of its own (a target naming a new address each time)
      const recorder = new Recorder(0);
      const other = new Recorder(0);

      // Act
      for (let i = 0; i < REASON_CAP + 5; i++) recorder.recordLifecycle({ outcome: 'failed', index: i, key: `k${i}`, terminal: true, reason: `hit: connect ECONNREFUSED 127.0.0.${i}:1` });
      other.recordLifecycle({ outcome: 'failed', index: 0, key: 'x', terminal: true, reason: 'hit: timeout' });
      const { reasons } = recorder.result(1).lifecycles;
      const merged = mergeUnitResults([recorder.result(1), other.result(1)]).lifecycles.reasons;

      // Assess: exact counts, bounded keys
      expect(Object.keys(reasons)).toHaveLength(REASON_CAP + 1);
      expect(reasons[OTHER_REASONS]).toBe(5);
      expect(reasons['hit: connect ECONNREFUSED 127.0.0.0:1']).toBe(1);
      expect(Object.keys(merged)).toHaveLength(REASON_CAP + 1);
      expect(merged[OTHER_REASONS]).toBe(6);
      expect(Object.values(merged).reduce((a, b) => a + b, 0)).toBe(REASON_CAP + 6);
    });

    it('lists non-terminal lifecycles with state and reason', () => {
      // Prepare
      const recorder = new Recorder(0);

      // Act
      recorder.recordLifecycle({ outcome: 'failed', index: 7, key: 'ORD-7', state: 'activated', terminal: false, reason: 'end: http5xx' });
      recorder.recordLifecycle({ outcome: 'completed', index: 8, key: 'ORD-8', terminal: false });
      const result = recorder.result(1);

      // Assess
      expect(result.nonTerminal).toEqual([
        { index: 7, key: 'ORD-7', state: 'activated', reason: 'end: http5xx' },
        { index: 8, key: 'ORD-8', state: 'unknown', reason: 'completed' },
      ]);
      expect(result.nonTerminalCount).toBe(2);
    });

    it('caps the non-terminal list at NON_TERMINAL_LIST_CAP and keeps the count exact', () => {
      // Prepare
      const recorder = new Recorder(0);
      const total = NON_TERMINAL_LIST_CAP + 25;

      // Act
      for (let i = 0; i < total; i++) {
        recorder.recordLifecycle({ outcome: 'failed', index: i, key: `k${i}`, state: 'created', terminal: false, reason: 'stopped' });
      }
      const result = recorder.result(1);

      // Assess
      expect(result.nonTerminal).toHaveLength(NON_TERMINAL_LIST_CAP);
      expect(result.nonTerminal[0]?.index).toBe(0);
      expect(result.nonTerminal.at(-1)?.index).toBe(NON_TERMINAL_LIST_CAP - 1);
      expect(result.nonTerminalCount).toBe(total);
      expect(result.lifecycles.failed).toBe(total);
    });
  });

  describe('Method: recordBatch', () => {
    it('counts batches and records their durations', () => {
      // Prepare
      const recorder = new Recorder(0);

      // Act
      recorder.recordBatch(1500);
      recorder.recordBatch(2500);
      const { batches } = recorder.result(1);

      // Assess
      expect(batches.count).toBe(2);
      expect(decodeHistogram(batches.histogram).totalCount).toBe(2);
    });
  });

  describe('Method: result', () => {
    it('returns plain JSON that later recording does not change', () => {
      // Prepare
      const recorder = new Recorder(0);
      recorder.recordAttempt({ endpoint: 'create', latencyMs: 1, status: 202, retry: false });
      recorder.recordLifecycle({ outcome: 'failed', index: 0, key: 'a', state: 'created', terminal: false, reason: 'x' });
      const first = recorder.result(1);
      const snapshot = JSON.parse(JSON.stringify(first)) as unknown;

      // Act
      recorder.recordAttempt({ endpoint: 'create', latencyMs: 1, status: 202, errorKind: 'http4xx', retry: false });
      recorder.recordLifecycle({ outcome: 'failed', index: 1, key: 'b', state: 'created', terminal: false, reason: 'y' });
      const second = recorder.result(2);

      // Assess
      expect(first).toEqual(snapshot);
      expect(second.endpoints['create']?.attempts).toBe(2);
      expect(second.nonTerminalCount).toBe(2);
    });

    it('is empty but valid when nothing was recorded', () => {
      // Act
      const result = new Recorder(5).result(5);

      // Assess
      expect(result).toMatchObject({ endpoints: {}, transitions: {}, nonTerminal: [], nonTerminalCount: 0, batches: { count: 0 } });
      expect(decodeHistogram(result.batches.histogram).totalCount).toBe(0);
    });
  });
});
