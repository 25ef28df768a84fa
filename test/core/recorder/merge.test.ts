import { describe, expect, it } from 'vitest';
import { ERROR_KINDS } from '../../../lib/core/errors.ts';
import { decodeHistogram } from '../../../lib/core/recorder/histogram.ts';
import { emptyUnitResult, mergeUnitResults, UnitResultSchema } from '../../../lib/core/recorder/merge.ts';
import { Recorder } from '../../../lib/core/recorder/recorder.ts';
import { summarizeResult } from '../../../lib/core/recorder/summary.ts';
import { NON_TERMINAL_LIST_CAP } from '../../../lib/core/recorder/types.ts';
import type { AttemptSample, LifecycleRecord, UnitResult } from '../../../lib/core/recorder/types.ts';
import { Rng } from '../../../lib/core/rng.ts';

type Event =
  | { kind: 'attempt'; sample: AttemptSample }
  | { kind: 'transition'; from: string | undefined; to: string }
  | { kind: 'lifecycle'; rec: LifecycleRecord }
  | { kind: 'batch'; ms: number };

const ENDPOINTS = ['create', 'details', 'activate', 'end'];
const STATES = ['created', 'accepted', 'activated', 'ended'];

/** A reproducible mix of everything a recorder sees, with latencies spread over four decades. */
function randomEvents(seed: number, count: number): Event[] {
  const rng = Rng.of(seed);
  const events: Event[] = [];
  for (let i = 0; i < count; i++) {
    const roll = rng.float();
    if (roll < 0.7) {
      const failed = rng.float() < 0.1;
      events.push({
        kind: 'attempt',
        sample: {
          endpoint: ENDPOINTS[rng.int(0, ENDPOINTS.length - 1)] as string,
          latencyMs: 0.05 * 10 ** (rng.float() * 4),
          status: failed ? 503 : 200 + rng.int(0, 2),
          errorKind: failed ? ERROR_KINDS[rng.int(0, ERROR_KINDS.length - 1)] : undefined,
          retry: rng.float() < 0.2,
        },
      });
    } else if (roll < 0.85) {
      const to = rng.int(0, STATES.length - 1);
      events.push({ kind: 'transition', from: to === 0 ? undefined : STATES[to - 1], to: STATES[to] as string });
    } else if (roll < 0.97) {
      const outcome = (['completed', 'failed', 'dropped'] as const)[rng.int(0, 2)] ?? 'completed';
      events.push({
        kind: 'lifecycle',
        rec: { outcome, index: i, key: `k${i}`, state: STATES[rng.int(0, 3)], terminal: rng.float() < 0.7, reason: outcome === 'completed' ? undefined : `r${rng.int(0, 3)}` },
      });
    } else {
      events.push({ kind: 'batch', ms: 100 + rng.float() * 10_000 });
    }
  }
  return events;
}

function feed(recorder: Recorder, events: readonly Event[]): Recorder {
  for (const event of events) {
    if (event.kind === 'attempt') recorder.recordAttempt(event.sample);
    else if (event.kind === 'transition') recorder.recordTransition(event.from, event.to);
    else if (event.kind === 'lifecycle') recorder.recordLifecycle(event.rec);
    else recorder.recordBatch(event.ms);
  }
  return recorder;
}

function lifecycle(index: number): LifecycleRecord {
  return { outcome: 'failed', index, key: `k${index}`, state: 'created', terminal: false, reason: 'stopped' };
}

describe('Function: mergeUnitResults', () => {
  describe('HAPPY PATH', () => {
    it.each([1, 2, 3, 4, 5, 6, 7, 8])('equals one recorder of all samples when the samples are split (seed %i)', (seed) => {
      // Prepare: the same events into one recorder, and split at random points into several
      const events = randomEvents(seed, 5000);
      const rng = Rng.of(seed * 31);
      const parts = 1 + rng.int(1, 5);
      const cuts = [0, ...Array.from({ length: parts - 1 }, () => rng.int(0, events.length)).sort((a, b) => a - b), events.length];
      const whole = feed(new Recorder(1000), events).result(61_000);
      const pieces = cuts.slice(1).map((end, i) =>
        feed(new Recorder(1000 + i * 10), events.slice(cuts[i], end)).result(61_000 - i * 10),
      );

      // Act
      const merged = mergeUnitResults(pieces);

      // Assess: counts exact, histograms equal bucket for bucket, so every percentile is equal
      expect(merged).toEqual({ ...whole, endpoints: expect.any(Object), batches: expect.any(Object) });
      for (const [name, endpoint] of Object.entries(whole.endpoints)) {
        const { histogram, ...counts } = endpoint;
        const { histogram: mergedHistogram, ...mergedCounts } = merged.endpoints[name] ?? endpoint;
        expect(mergedCounts).toEqual(counts);
        expect(decodeHistogram(mergedHistogram).outputPercentileDistribution()).toBe(decodeHistogram(histogram).outputPercentileDistribution());
      }
      expect(merged.batches.count).toBe(whole.batches.count);
      expect(summarizeResult(merged)).toEqual(summarizeResult(whole));
    });

    it('spans from the earliest start to the latest end', () => {
      // Prepare
      const a = { ...emptyUnitResult(500), endedAt: 900 };
      const b = { ...emptyUnitResult(300), endedAt: 700 };

      // Act
      const merged = mergeUnitResults([a, b]);

      // Assess
      expect([merged.startedAt, merged.endedAt]).toEqual([300, 900]);
    });

    it('concatenates non-terminal entries up to the cap and keeps the count exact', () => {
      // Prepare
      const half = NON_TERMINAL_LIST_CAP * 0.6;
      const first = new Recorder(0);
      const second = new Recorder(0);
      for (let i = 0; i < half; i++) first.recordLifecycle(lifecycle(i));
      for (let i = half; i < 2 * half; i++) second.recordLifecycle(lifecycle(i));

      // Act
      const merged = mergeUnitResults([first.result(1), second.result(1)]);

      // Assess
      expect(merged.nonTerminalCount).toBe(2 * half);
      expect(merged.nonTerminal).toHaveLength(NON_TERMINAL_LIST_CAP);
      expect(merged.nonTerminal.map((entry) => entry.index)).toEqual(Array.from({ length: NON_TERMINAL_LIST_CAP }, (_, i) => i));
    });

    it('returns an empty result for no results and a copy for one', () => {
      // Prepare
      const one = feed(new Recorder(0), randomEvents(9, 100)).result(1);

      // Act
      const none = mergeUnitResults([]);
      const single = mergeUnitResults([one]);

      // Assess
      expect(none).toEqual(emptyUnitResult(0));
      expect(single).toEqual(one);
      expect(single).not.toBe(one);
    });

    it('does not modify its inputs', () => {
      // Prepare
      const inputs = [feed(new Recorder(0), randomEvents(10, 500)).result(1), feed(new Recorder(0), randomEvents(11, 500)).result(1)];
      const before = structuredClone(inputs);

      // Act
      mergeUnitResults(inputs);

      // Assess
      expect(inputs).toEqual(before);
    });
  });
});

describe('Schema: UnitResultSchema', () => {
  const sample = (): UnitResult => feed(new Recorder(1000), randomEvents(3, 2000)).result(2000);

  describe('HAPPY PATH', () => {
    it('round-trips a result through JSON', () => {
      // Prepare
      const result = sample();

      // Act
      const parsed = UnitResultSchema.parse(JSON.parse(JSON.stringify(result)));

      // Assess
      expect(parsed).toEqual(result);
      expect(summarizeResult(mergeUnitResults([parsed, parsed])).totals.requests).toBe(2 * summarizeResult(result).totals.requests);
    });

    it('accepts an empty result', () => {
      expect(UnitResultSchema.parse(emptyUnitResult(0))).toEqual(emptyUnitResult(0));
    });
  });

  describe('SAD PATH', () => {
    it.each([
      { name: 'a wrong version', change: (r: UnitResult) => ({ ...r, version: 2 }), path: ['version'] },
      { name: 'an unknown field', change: (r: UnitResult) => ({ ...r, headers: { authorization: 'x' } }), path: [] },
      { name: 'a negative count', change: (r: UnitResult) => ({ ...r, nonTerminalCount: -1 }), path: ['nonTerminalCount'] },
      { name: 'a non-integer count', change: (r: UnitResult) => ({ ...r, lifecycles: { ...r.lifecycles, completed: 1.5 } }), path: ['lifecycles', 'completed'] },
      { name: 'a histogram that is not HDR', change: (r: UnitResult) => ({ ...r, batches: { count: 0, histogram: 'aGVsbG8=' } }), path: ['batches', 'histogram'] },
      { name: 'an unknown error kind', change: (r: UnitResult) => withEndpoint(r, { errors: { teapot: 1 } }), path: ['endpoints', 'create', 'errors'] },
      { name: 'attempts that are not ok + errors', change: (r: UnitResult) => withEndpoint(r, { attempts: 1_000_000 }), path: ['endpoints', 'create', 'attempts'] },
      { name: 'end before start', change: (r: UnitResult) => ({ ...r, endedAt: r.startedAt - 1 }), path: ['endedAt'] },
      {
        name: 'more non-terminal entries than the cap',
        change: (r: UnitResult) => ({ ...r, nonTerminal: Array.from({ length: NON_TERMINAL_LIST_CAP + 1 }, (_, i) => ({ index: i, key: 'k', state: 's', reason: 'r' })), nonTerminalCount: 5000 }),
        path: ['nonTerminal'],
      },
    ])('rejects $name', ({ change, path }) => {
      // Act
      const parsed = UnitResultSchema.safeParse(change(sample()));

      // Assess
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues.map((issue) => issue.path)).toContainEqual(path);
    });
  });
});

function withEndpoint(result: UnitResult, change: object): unknown {
  const create = result.endpoints['create'];
  return { ...result, endpoints: { ...result.endpoints, create: { ...create, ...change } } };
}
