import { compilePath } from './plan/path.ts';
import type { Plan } from './plan/schema.ts';
import type { PayloadSource } from './payloads.ts';
import type { BatchUnit, Unit } from './units.ts';

/**
 * Derives a run's units from its plan by arithmetic alone, so every worker agrees without talking to
 * the others. `batches`: payloads are grouped by `groupBy` (groups in order of first appearance), then
 * cut into batches of `batchSize`; each batch is homogeneous.
 */
export function planUnits(plan: Plan, runId: string, payloads: PayloadSource): Unit[] {
  const load = plan.load;
  const groups = new Map<string, number[]>();
  const groupOf = load.groupBy ? compilePath(load.groupBy.replace(/^payload\./, '')) : undefined;
  for (let i = 0; i < payloads.count; i++) {
    const group = groupOf ? String(groupOf(payloads.get(i))) : '';
    let list = groups.get(group);
    if (!list) groups.set(group, (list = []));
    list.push(i);
  }
  const units: BatchUnit[] = [];
  for (const [group, indices] of groups) {
    for (let from = 0; from < indices.length; from += load.batchSize) {
      const unit: BatchUnit = { kind: 'batch', runId, unitId: `b${String(units.length + 1).padStart(4, '0')}`, indices: indices.slice(from, from + load.batchSize) };
      if (groupOf) unit.group = group;
      units.push(unit);
    }
  }
  return units;
}

/** The number of lifecycles a plan starts. */
export function plannedLifecycles(plan: Plan): number {
  return plan.payloads.count;
}
