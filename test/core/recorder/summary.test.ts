import { describe, expect, it } from 'vitest';
import { emptyUnitResult, mergeUnitResults } from '../../../lib/core/recorder/merge.ts';
import { Recorder } from '../../../lib/core/recorder/recorder.ts';
import { summarizeResult } from '../../../lib/core/recorder/summary.ts';

/** HDR with 3 significant digits reports values within 0.1%. */
function expectWithinResolution(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected * 0.001 + 1e-9);
}

describe('Function: summarizeResult', () => {
  describe('HAPPY PATH', () => {
    it('computes per-endpoint counts, error rate and latency percentiles in ms', () => {
      // Prepare: latencies 1..1000 ms, every 10th attempt a 5xx, every 4th a retry
      const recorder = new Recorder(0);
      for (let ms = 1; ms <= 1000; ms++) {
        const failed = ms % 10 === 0;
        recorder.recordAttempt({ endpoint: 'create', latencyMs: ms, status: failed ? 503 : 202, errorKind: failed ? 'http5xx' : undefined, retry: ms % 4 === 0 });
      }

      // Act
      const summary = summarizeResult(recorder.result(10_000));
      const create = summary.endpoints['create'];

      // Assess
      expect(create).toMatchObject({ attempts: 1000, ok: 900, errors: { http5xx: 100 }, errorCount: 100, errorRate: 0.1, retries: 250, statusCodes: { '202': 900, '503': 100 } });
      const latency = create?.latencyMs;
      expectWithinResolution(latency?.min ?? 0, 1);
      expectWithinResolution(latency?.p50 ?? 0, 500);
      expectWithinResolution(latency?.p90 ?? 0, 900);
      expectWithinResolution(latency?.p95 ?? 0, 950);
      expectWithinResolution(latency?.p99 ?? 0, 990);
      expectWithinResolution(latency?.max ?? 0, 1000);
      expectWithinResolution(latency?.mean ?? 0, 500.5);
    });

    it('computes totals and the request rate over the result span', () => {
      // Prepare
      const recorder = new Recorder(1_000);
      for (let i = 0; i < 30; i++) recorder.recordAttempt({ endpoint: 'create', latencyMs: 5, status: 202, retry: false });
      for (let i = 0; i < 10; i++) recorder.recordAttempt({ endpoint: 'details', latencyMs: 5, errorKind: 'timeout', retry: false });

      // Act
      const { totals } = summarizeResult(recorder.result(21_000));

      // Assess: 40 requests in 20 s
      expect(totals).toMatchObject({ requests: 40, errors: 10, errorRate: 0.25, rps: 2 });
    });

    it('counts states entered from the transitions and keeps lifecycle reasons', () => {
      // Prepare
      const recorder = new Recorder(0);
      for (let i = 0; i < 200; i++) recorder.recordTransition(undefined, 'created');
      for (let i = 0; i < 170; i++) recorder.recordTransition('created', 'activated');
      for (let i = 0; i < 30; i++) recorder.recordTransition('created', 'cancelled');
      for (let i = 0; i < 170; i++) recorder.recordTransition('activated', 'ended');
      recorder.recordTransition('ended', 'ended');
      recorder.recordLifecycle({ outcome: 'dropped', index: 0, key: 'a', terminal: true, reason: 'no free slot' });

      // Act
      const summary = summarizeResult(recorder.result(1));

      // Assess
      expect(summary.states).toEqual({ created: 200, activated: 170, cancelled: 30, ended: 171 });
      expect(summary.lifecycles).toEqual({ completed: 0, failed: 0, dropped: 1, reasons: { 'no free slot': 1 } });
    });

    it('reads batch durations as a distribution', () => {
      // Prepare
      const recorder = new Recorder(0);
      for (let s = 1; s <= 100; s++) recorder.recordBatch(s * 1000);

      // Act
      const { batches } = summarizeResult(recorder.result(1));

      // Assess
      expect(batches.count).toBe(100);
      expectWithinResolution(batches.durationMs.p50, 50_000);
      expectWithinResolution(batches.durationMs.max, 100_000);
    });

    it('computes percentiles from merged histograms, not averages of percentiles', () => {
      // Prepare: one unit of fast requests, one of slow ones; averaging each unit's p99 would give ~505 ms
      const fast = new Recorder(0);
      const slow = new Recorder(0);
      for (let i = 0; i < 990; i++) fast.recordAttempt({ endpoint: 'create', latencyMs: 10, status: 202, retry: false });
      for (let i = 0; i < 10; i++) slow.recordAttempt({ endpoint: 'create', latencyMs: 1000, status: 202, retry: false });

      // Act
      const summary = summarizeResult(mergeUnitResults([fast.result(1), slow.result(1)]));

      // Assess: 990 of 1000 values are 10 ms, so p99 is 10 ms and only the max sees the slow unit
      expectWithinResolution(summary.endpoints['create']?.latencyMs.p99 ?? 0, 10);
      expectWithinResolution(summary.endpoints['create']?.latencyMs.max ?? 0, 1000);
    });
  });

  describe('SAD PATH', () => {
    it('reads an empty result as zeros, not NaN', () => {
      // Act
      const summary = summarizeResult(emptyUnitResult(5));

      // Assess
      const zeros = { min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
      expect(summary.totals).toEqual({ requests: 0, errors: 0, errorRate: 0, rps: 0, latencyMs: zeros });
      expect(summary.batches).toEqual({ count: 0, durationMs: { min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 } });
    });
  });
});
