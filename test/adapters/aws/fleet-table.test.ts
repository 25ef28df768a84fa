import { describe, expect, it } from 'vitest';
import {
  DYNAMO_MAX_ITEM_BYTES, UNIT_JSON_BUDGET_BYTES, dynamoItemBytes, runToItem, unitToItem,
} from '../../../lib/adapters/aws/fleet-table.ts';
import { ItemTooLargeError } from '../../../lib/adapters/aws/errors.ts';
import type { RunRecord } from '../../../lib/core/fleet/ports.ts';
import type { Unit } from '../../../lib/core/units.ts';

const run = (sharedVars: Record<string, unknown>): RunRecord => ({
  runId: 'run-1', plan: { text: 'kind: custom\n', file: 'plan.yaml', sharedVars }, kind: 'custom', status: 'RUNNING',
  createdAt: 0, startAt: 0, deadline: 1, unitsPlanned: 1, warnings: [],
});

describe('Module: fleet-table, item sizes', () => {
  describe('Function: dynamoItemBytes', () => {
    it('counts names and values as DynamoDB does, numbers at their 21-byte maximum', () => {
      // Prepare: "ab" + "é€" (2 + 5), "n" + 21, "ok" + 1, "l" + 3 + (1 + 1) + (1 + 1), "m" + 3 + 1 + "k" + "v"
      const item = { ab: 'é€', n: 42, ok: true, l: ['x', null], m: { k: 'v' } };

      // Act / Assess
      expect(dynamoItemBytes(item)).toBe(7 + 22 + 3 + 8 + 7);
    });
  });

  describe('Function: runToItem', () => {
    it('keeps a run whose plan and setup captures fit one item', () => {
      expect(dynamoItemBytes(runToItem(run({ couponId: 'c-1' })))).toBeLessThan(1000);
    });

    it('refuses a run row over the 400 KB item limit, saying what it holds, instead of a ValidationException from DynamoDB', () => {
      expect(() => runToItem(run({ big: 'x'.repeat(DYNAMO_MAX_ITEM_BYTES) }))).toThrow(
        /^the run row of run-1 \(the plan's text and the values its setup captured\) would be \d+ bytes, over DynamoDB's 409600-byte item limit$/,
      );
      expect(() => runToItem(run({ big: 'x'.repeat(DYNAMO_MAX_ITEM_BYTES) }))).toThrow(ItemTooLargeError);
    });
  });

  describe('Function: unitToItem', () => {
    it('refuses a unit that leaves no room in its row for the result it will get', () => {
      const indices = Array.from({ length: UNIT_JSON_BUDGET_BYTES / 2 }, (_, i) => i);
      const unit: Unit = { kind: 'batch', runId: 'run-1', unitId: 'b0001', indices };
      expect(() => unitToItem('run-1', unit, 0)).toThrow(/^unit b0001 of run run-1 is \d+ bytes as JSON, over the 98304 bytes a unit row keeps for it$/);
      expect(() => unitToItem('run-1', unit, 0)).toThrow(expect.objectContaining({ code: 'UNIT_TOO_LARGE' }));
    });
  });
});
