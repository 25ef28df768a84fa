import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DYNAMO_MAX_ITEM_BYTES, RESULT_INLINE_LIMIT_BYTES, UNIT_JSON_BUDGET_BYTES, dynamoItemBytes, runToItem, unitToItem,
} from '../../../lib/adapters/aws/fleet-table.ts';
import { SQS_MAX_MESSAGE_BYTES, unitMessageBytes } from '../../../lib/adapters/aws/sqs-unit-queue.ts';
import {
  MAX_BATCH_SIZE, MAX_CONCURRENCY, MAX_DURATION_MS, MAX_PARALLEL_BATCHES, MAX_PAYLOADS, MAX_PLAN_BYTES, MAX_REQUESTS, MAX_RPS, MAX_RUN_DURATION_MS,
  MAX_TIMEOUT_MS, MAX_UNITS, MAX_WORKERS,
} from '../../../lib/core/ceilings.ts';
import { compilePlan } from '../../../lib/core/engine/compile-plan.ts';
import { loadPlan } from '../../../lib/core/plan/plan-loader.ts';
import { PlanValidationError } from '../../../lib/core/plan/source.ts';
import { planUnits } from '../../../lib/core/planner.ts';
import { SFN_MAX_STATE_BYTES, pollSecondsFor } from '../../../lib/runtime/fleet/state.ts';

/** The longest run id the fleet takes (`RunInputSchema`), so every row and message is at its largest. */
const RUN_ID = 'r'.repeat(64);
const START_AT = Date.UTC(2030, 0, 1);
const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** An integer in [min, max], often one of the ends (where the ceilings are). */
const near = (min: number, max: number): fc.Arbitrary<number> => fc.oneof({ weight: 2, arbitrary: fc.integer({ min, max }) }, fc.constantFrom(min, max, Math.max(min, max - 1)));
const duration = near(1, MAX_DURATION_MS);

const loads: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({
    model: fc.constant('rate'),
    rate: fc.oneof(fc.double({ min: 0.001, max: MAX_RPS, noNaN: true }), fc.constant(MAX_RPS)),
    workers: near(1, MAX_WORKERS),
    duration,
    maxInFlight: near(1, MAX_CONCURRENCY),
    startJitter: fc.boolean(),
  }),
  fc.record({ model: fc.constant('vus'), vus: near(1, MAX_CONCURRENCY), workers: near(1, MAX_WORKERS), duration }),
  fc.record({ model: fc.constant('burst'), count: near(1, MAX_CONCURRENCY), slices: near(1, MAX_WORKERS), startDelay: near(0, MAX_DURATION_MS) }),
  fc.record({
    model: fc.constant('phases'),
    phases: fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 8 }), duration: near(1, MAX_DURATION_MS / 2), users: near(0, MAX_CONCURRENCY) }), { minLength: 1, maxLength: 3 }),
    workers: near(1, MAX_WORKERS),
  }),
  fc.record({ model: fc.constant('batches'), batchSize: near(1, MAX_BATCH_SIZE), parallel: near(1, MAX_PARALLEL_BATCHES) }),
);

/** Payloads: a count near the ceiling for batches, groups by a field of long values, padding up to the plan ceiling. */
const payloads = fc.record({
  count: near(1, MAX_PAYLOADS),
  // Group values up to 1000 characters of anything JSON escapes (quotes, backslashes, line breaks, non-ASCII).
  groups: fc.option(fc.array(fc.string({ unit: fc.constantFrom('"', '\\', '\n', 'é', '😀', 'x'), maxLength: 1000 }), { minLength: 1, maxLength: 50 }), { nil: undefined }),
});

/** A comment of characters that JSON-escaping doubles, filling the plan up to about `fill` bytes. */
const padding = fc.record({ fill: near(0, MAX_PLAN_BYTES), char: fc.constantFrom('"', '\\', 'x', 'é', '\t') });

function planText(load: Record<string, unknown>, p: { count: number; groups: string[] | undefined }, pad: { fill: number; char: string }): string {
  const batches = load.model === 'batches';
  const plan = {
    kind: 'custom',
    name: 'property',
    target: { baseUrl: 'http://127.0.0.1:8080', timeout: MAX_TIMEOUT_MS },
    requests: { r: { path: '/r?i={{index}}' } },
    ...(load.model === 'phases' ? { tasks: { t: [{ request: 'r' }] } } : { lifecycle: [{ request: 'r' }] }),
    payloads: {
      // Planning a million grouped payloads takes seconds: groups come with smaller counts only.
      ...(batches || load.model === 'burst' ? { count: p.groups && batches ? Math.min(p.count, 20_000) : p.count } : {}),
      fields: p.groups ? { g: { pick: p.groups } } : {},
    },
    load: { ...load, ...(batches && p.groups ? { groupBy: 'payload.g' } : {}) },
    limits: { maxRps: MAX_RPS, maxRequests: MAX_REQUESTS, maxDuration: MAX_RUN_DURATION_MS, maxConcurrency: MAX_CONCURRENCY },
  };
  const text = JSON.stringify(plan);
  const room = Math.max(0, pad.fill - bytes(text) - 3);
  const line = `# ${pad.char.repeat(Math.max(0, Math.floor(room / bytes(pad.char))))}\n`;
  return room > 0 ? `${line}${text}` : text;
}

describe('Property: any plan the schema accepts fits what the fleet sends and stores', () => {
  it('compiles to at most MAX_UNITS units, each within an SQS message and a unit row, and a run row and states within their limits', () => {
    let accepted = 0;
    const models = new Set<string>();
    fc.assert(
      fc.property(loads, payloads, padding, (load, p, pad) => {
        const text = planText(load, p, pad);
        let loaded;
        try {
          loaded = loadPlan(text, 'property.yaml', {});
        } catch (error) {
          // Refused plans are refused cleanly, never by a crash.
          expect(error).toBeInstanceOf(PlanValidationError);
          return;
        }
        accepted++;
        models.add(String(load.model));
        const { plan } = loaded;
        const compiled = compilePlan(plan);
        const { units, planned } = planUnits(plan, RUN_ID, compiled.payloads, START_AT);

        expect(units.length).toBeGreaterThan(0);
        expect(units.length).toBeLessThanOrEqual(MAX_UNITS);
        // Units of a run differ only in their numbers and indices: the longest JSON is the largest message and row.
        const sizes = units.map((unit) => bytes(JSON.stringify(unit)));
        const largest = units[sizes.indexOf(Math.max(...sizes))] as (typeof units)[number];
        expect(unitMessageBytes(largest)).toBeLessThanOrEqual(SQS_MAX_MESSAGE_BYTES);
        // unitToItem refuses a unit that leaves no room for its result; the rest of the row is small.
        expect(dynamoItemBytes(unitToItem(RUN_ID, largest, START_AT))).toBeLessThanOrEqual(DYNAMO_MAX_ITEM_BYTES - RESULT_INLINE_LIMIT_BYTES);
        const deadline = START_AT + plan.limits.maxDuration;
        const run = { runId: RUN_ID, plan: { text, file: 'plans/property.yaml' }, kind: loaded.kind, status: 'RUNNING' as const, createdAt: START_AT, startAt: START_AT, deadline, unitsPlanned: units.length, planned, warnings: loaded.warnings };
        expect(dynamoItemBytes(runToItem(run))).toBeLessThanOrEqual(DYNAMO_MAX_ITEM_BYTES);
        // The plan inline in the execution input, and the state the orchestrator carries.
        expect(bytes(JSON.stringify({ plan: text, runId: RUN_ID }))).toBeLessThanOrEqual(SFN_MAX_STATE_BYTES);
        const state = { runId: RUN_ID, startAt: new Date(START_AT).toISOString(), pollSeconds: pollSecondsFor(plan.limits.maxDuration), finished: false, outstanding: units.length };
        expect(bytes(JSON.stringify(state))).toBeLessThanOrEqual(SFN_MAX_STATE_BYTES);
      }),
      { numRuns: 150, seed: 42 },
    );
    // Most generated plans are valid: the property is about them, not about refusals.
    expect(accepted).toBeGreaterThan(75);
    expect([...models].sort()).toEqual(['batches', 'burst', 'phases', 'rate', 'vus']);
  });

  it('holds at the batch ceilings with groups: a million payloads, batches of 10,000, 16 long group names', () => {
    const groups = Array.from({ length: 16 }, (_, i) => `${'"\\é'.repeat(300)}${i}`);
    const text = JSON.stringify({
      kind: 'custom',
      name: 'batch-ceiling',
      target: { baseUrl: 'http://127.0.0.1:8080' },
      requests: { r: { path: '/r' } },
      lifecycle: [{ request: 'r' }],
      payloads: { count: MAX_PAYLOADS, fields: { g: { exactly: Object.fromEntries(groups.map((g) => [g, MAX_PAYLOADS / 16])) } } },
      load: { model: 'batches', batchSize: MAX_BATCH_SIZE, parallel: MAX_PARALLEL_BATCHES, groupBy: 'payload.g' },
      limits: { maxConcurrency: MAX_PARALLEL_BATCHES },
    });
    const { plan } = loadPlan(text, 'ceiling.json', {});
    const { units } = planUnits(plan, RUN_ID, compilePlan(plan).payloads, START_AT);
    expect(units.length).toBe(16 * Math.ceil(MAX_PAYLOADS / 16 / MAX_BATCH_SIZE));
    for (const unit of units) {
      expect(unitMessageBytes(unit)).toBeLessThanOrEqual(SQS_MAX_MESSAGE_BYTES);
      expect(bytes(JSON.stringify(unit))).toBeLessThanOrEqual(UNIT_JSON_BUDGET_BYTES);
      expect(dynamoItemBytes(unitToItem(RUN_ID, unit, START_AT))).toBeLessThanOrEqual(DYNAMO_MAX_ITEM_BYTES - RESULT_INLINE_LIMIT_BYTES);
    }
  });
});
