import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../lib/core/engine/compile-plan.ts';
import { planUnits } from '../../lib/core/planner.ts';
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
