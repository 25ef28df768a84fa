import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../lib/core/engine/compile-plan.ts';
import { listOf, planUnitList, planUnits, shardOf, type UnitList } from '../../lib/core/planner.ts';
import type { BatchUnit } from '../../lib/core/units.ts';
import { UnitSchema } from '../../lib/core/units.ts';
import { customPlan } from '../helpers/engine-harness.ts';

const requests = { ping: { path: '/ping' } };
const lifecycle = [{ request: 'ping' }];

function dayInLifeLike(batchSize: number, groupBy?: string): ReturnType<typeof customPlan> {
  return customPlan({
    seed: 42,
    requests,
    lifecycle,
    payloads: { count: 200, fields: { type: { exactly: { activate: 170, accepted: 30 } }, n: 'N-{{seq}}' } },
    load: { model: 'batches', batchSize, parallel: 5, ...(groupBy ? { groupBy } : {}) },
  });
}

describe('Function: planUnits', () => {
  it('cuts 200 payloads grouped 170/30 by type into 11 homogeneous batches covering every index once', () => {
    // Prepare
    const plan = dayInLifeLike(20, 'payload.type');
    const { payloads } = compilePlan(plan);

    // Act
    const units = planUnits(plan, 'run-1', payloads, 0).units as BatchUnit[];

    // Assess: payload 0 is an `activate` for seed 42, so that group comes first
    const accepted = [5, 13, 18, 19, 37, 39, 45, 48, 67, 74, 76, 79, 97, 100, 102, 108, 118, 119, 129, 153, 156, 164, 167, 181, 182, 184, 185, 191, 192, 199];
    expect(units).toHaveLength(11);
    expect(units.map((u) => u.indices.length)).toEqual([20, 20, 20, 20, 20, 20, 20, 20, 10, 20, 10]);
    expect(units.map((u) => u.unitId)).toEqual(['b0001', 'b0002', 'b0003', 'b0004', 'b0005', 'b0006', 'b0007', 'b0008', 'b0009', 'b0010', 'b0011']);
    expect(units.map((u) => u.group)).toEqual([...Array<string>(9).fill('activate'), 'accepted', 'accepted']);
    expect([...units[9]!.indices, ...units[10]!.indices]).toEqual(accepted);
    for (const unit of units) {
      expect(unit.kind).toBe('batch');
      expect(unit.runId).toBe('run-1');
      expect(new Set(unit.indices.map((i) => payloads.get(i)['type']))).toEqual(new Set([unit.group]));
      expect(() => UnitSchema.parse(unit)).not.toThrow();
    }
    const covered = units.flatMap((u) => u.indices).sort((a, b) => a - b);
    expect(covered).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(units.filter((u) => u.group === 'activate').flatMap((u) => u.indices)).toHaveLength(170);
  });

  it('keeps indices ascending inside each group', () => {
    // Prepare
    const plan = dayInLifeLike(20, 'payload.type');

    // Act
    const units = planUnits(plan, 'r', compilePlan(plan).payloads, 0).units as BatchUnit[];

    // Assess
    for (const group of ['activate', 'accepted']) {
      const indices = units.filter((u) => u.group === group).flatMap((u) => u.indices);
      expect(indices).toEqual([...indices].sort((a, b) => a - b));
    }
  });

  it('cuts in index order, without groups, when there is no groupBy', () => {
    // Prepare
    const plan = dayInLifeLike(64);

    // Act
    const units = planUnits(plan, 'r', compilePlan(plan).payloads, 0).units as BatchUnit[];

    // Assess
    expect(units.map((u) => [u.indices[0], u.indices.length])).toEqual([[0, 64], [64, 64], [128, 64], [192, 8]]);
    expect(units.every((u) => !('group' in u))).toBe(true);
  });

  it('plans the same units for the same plan and seed', () => {
    // Prepare
    const plan = dayInLifeLike(20, 'payload.type');

    // Act + Assess
    expect(planUnits(plan, 'r', compilePlan(plan).payloads, 0)).toEqual(planUnits(plan, 'r', compilePlan(plan).payloads, 0));
  });
});

describe('Function: planUnits (planned count)', () => {
  it('is the payload count for batches, run 20 at a time', () => {
    const plan = dayInLifeLike(20);
    const { planned, parallel } = planUnits(plan, 'r', compilePlan(plan).payloads, 0);
    expect(planned).toBe(200);
    expect(parallel).toBe(plan.load.model === 'batches' ? plan.load.parallel : 0);
  });
});

describe('Function: planUnitList', () => {
  /** Every unit of a list, built in order. */
  const all = (list: UnitList): BatchUnit[] => Array.from({ length: list.length }, (_, i) => list.at(i) as BatchUnit);

  it.each([
    ['grouped by type, batches of 20', 20, 'payload.type'],
    ['grouped by type, batches of 1', 1, 'payload.type'],
    ['grouped by type, one batch larger than any group', 500, 'payload.type'],
    ['in index order, batches of 64', 64, undefined],
    ['in index order, one batch larger than the payloads', 1000, undefined],
  ])('builds, on demand, exactly the units planUnits lists (%s)', (_name, batchSize, groupBy) => {
    // Prepare
    const plan = dayInLifeLike(batchSize, groupBy);
    const { payloads } = compilePlan(plan);

    // Act
    const lazy = planUnitList(plan, 'r', payloads, 0);
    const eager = planUnits(plan, 'r', payloads, 0);

    // Assess
    expect(lazy.units.length).toBe(eager.units.length);
    expect(all(lazy.units)).toEqual(eager.units);
    expect({ planned: lazy.planned, parallel: lazy.parallel }).toEqual({ planned: eager.planned, parallel: eager.parallel });
  });

  it('builds the same unit each time it is asked, in any order, and refuses a unit that does not exist', () => {
    // Prepare
    const plan = dayInLifeLike(20, 'payload.type');
    const { units } = planUnitList(plan, 'r', compilePlan(plan).payloads, 0);

    // Act
    const backwards = Array.from({ length: units.length }, (_, i) => units.at(units.length - 1 - i)).reverse();

    // Assess
    expect(backwards).toEqual(all(units));
    expect(units.at(3)).not.toBe(units.at(3));
    expect(() => units.at(units.length)).toThrow(RangeError);
    expect(() => units.at(-1)).toThrow(RangeError);
    expect(() => units.at(1.5)).toThrow(RangeError);
    const ungrouped = planUnitList(dayInLifeLike(64), 'r', compilePlan(dayInLifeLike(64)).payloads, 0).units;
    expect(() => ungrouped.at(4)).toThrow(RangeError);
  });

  it('cuts 100,000 payloads grouped 85,000/15,000 into 200 homogeneous batches of 500, every index exactly once', () => {
    // Prepare
    const plan = customPlan({
      requests,
      lifecycle,
      payloads: { count: 100_000, fields: { type: { exactly: { activate: 85_000, accepted: 15_000 } } } },
      load: { model: 'batches', batchSize: 500, parallel: 100, groupBy: 'payload.type' },
    });
    const { payloads } = compilePlan(plan);

    // Act
    const { units, planned } = planUnitList(plan, 'run-1', payloads, 0);

    // Assess
    expect(planned).toBe(100_000);
    expect(units.length).toBe(200);
    const seen = new Uint8Array(100_000);
    const groups: string[] = [];
    for (let k = 0; k < units.length; k++) {
      const unit = units.at(k) as BatchUnit;
      expect(unit.unitId).toBe(`b${String(k + 1).padStart(4, '0')}`);
      expect(unit.indices).toHaveLength(500);
      groups.push(unit.group as string);
      for (const i of unit.indices) seen[i] = (seen[i] as number) + 1;
      // Ascending inside a batch, and the batch's group is each of its payloads' type.
      expect(unit.indices).toEqual([...unit.indices].sort((a, b) => a - b));
      expect(payloads.get(unit.indices[0] as number)['type']).toBe(unit.group);
      expect(payloads.get(unit.indices.at(-1) as number)['type']).toBe(unit.group);
    }
    expect(seen.every((n) => n === 1)).toBe(true);
    const first = payloads.get(0)['type'] as string;
    const other = first === 'activate' ? 'accepted' : 'activate';
    const firstCount = first === 'activate' ? 170 : 30;
    expect(groups).toEqual([...Array<string>(firstCount).fill(first), ...Array<string>(200 - firstCount).fill(other)]);
  });

  it('gives a shard units i with i mod count === index, as filtering the whole list does', () => {
    // Prepare
    const plan = dayInLifeLike(20, 'payload.type');
    const { payloads } = compilePlan(plan);
    const eager = planUnits(plan, 'r', payloads, 0).units;
    const { units } = planUnitList(plan, 'r', payloads, 0);

    // Act + Assess
    for (const count of [1, 2, 3, 11, 12]) {
      for (let index = 0; index < count; index++) {
        expect(all(shardOf(units, index, count))).toEqual(eager.filter((_, i) => i % count === index));
      }
    }
  });

  it('lists the units of the other models as planUnits does', () => {
    // Prepare
    const plan = customPlan({ requests, lifecycle, payloads: { count: 10 }, load: { model: 'burst', count: 10, slices: 3, startDelay: 0 } });
    const { payloads } = compilePlan(plan);

    // Act
    const lazy = planUnitList(plan, 'r', payloads, 5);

    // Assess
    expect(Array.from({ length: lazy.units.length }, (_, i) => lazy.units.at(i))).toEqual(planUnits(plan, 'r', payloads, 5).units);
    expect(() => lazy.units.at(3)).toThrow(RangeError);
    expect(listOf([]).length).toBe(0);
  });
});
