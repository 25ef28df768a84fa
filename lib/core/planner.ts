import { compilePath } from './plan/path.ts';
import type { Plan } from './plan/schema.ts';
import type { PayloadSource } from './payloads.ts';
import { Rng } from './rng.ts';
import { rateSchedule, splitRate } from './load/split-rate.ts';
import type { BatchUnit, Unit } from './units.ts';

/** A run's units, how many lifecycles they plan, and how many units a local driver runs at once. */
export interface UnitPlan {
  readonly units: Unit[];
  /** Lifecycles planned; undefined for open-ended models (`vus`), where the count is what was started. */
  readonly planned: number | undefined;
  /** Units run at once by the local driver (a batch pool); other models run every unit at once. */
  readonly parallel: number;
}

const unitId = (prefix: string, n: number): string => `${prefix}${String(n + 1).padStart(4, '0')}`;

/**
 * Derives a run's units from its plan by arithmetic alone, so every worker agrees without talking to
 * the others (k6's execution segments). `startAt` is the common absolute start (epoch ms).
 *
 * - `batches`: payloads grouped by `groupBy` (groups in order of first appearance), cut into batches of
 *   `batchSize`; each batch is homogeneous.
 * - `rate`: one unit per worker with its exact share (`splitRate`), its seeded start jitter, and the
 *   numbers of its lifecycles (worker w numbers on from the counts of workers before it).
 * - `vus`: users cut into `workers` contiguous slices.
 * - `burst`: `count` lifecycles cut into `slices`, all released at `startAt + startDelay`.
 */
export function planUnits(plan: Plan, runId: string, payloads: PayloadSource, startAt: number): UnitPlan {
  const load = plan.load;
  switch (load.model) {
    case 'batches':
      return { units: planBatches(plan, runId, payloads), planned: payloads.count, parallel: load.parallel };
    case 'rate': {
      const shares = splitRate(load.rate, load.workers);
      const inFlight = splitRate(load.maxInFlight, load.workers);
      let firstIndex = 0;
      const units: Unit[] = shares.map((ratePerSec, worker) => {
        const jitter = load.startJitter ? Rng.derive(plan.seed, 'rate-jitter', worker).float() : 0;
        const schedule = rateSchedule(ratePerSec, startAt, load.duration, jitter);
        const unit: Unit = {
          kind: 'rate', runId, unitId: unitId('r', worker), worker, ratePerSec, startAt, jitterMs: schedule.jitterMs,
          intervalMs: Number.isFinite(schedule.intervalMs) ? schedule.intervalMs : load.duration, firstIndex, count: schedule.count,
          maxInFlight: Math.max(1, Math.floor(inFlight[worker] as number)),
        };
        firstIndex += schedule.count;
        return unit;
      });
      return { units, planned: firstIndex, parallel: units.length };
    }
    case 'vus': {
      const slices = contiguous(load.vus, load.workers);
      const units: Unit[] = slices.map(([firstVu, vus], i) => ({
        kind: 'vus', runId, unitId: unitId('v', i), firstVu, vus, totalVus: load.vus, startAt, durationMs: load.duration,
      }));
      return { units, planned: undefined, parallel: units.length };
    }
    case 'phases': {
      const totalUsers = Math.max(1, ...load.phases.map((p) => p.users));
      const units: Unit[] = contiguous(totalUsers, load.workers).map(([firstUser, users], i) => ({
        kind: 'phases', runId, unitId: unitId('p', i), firstUser, users, totalUsers, startAt,
      }));
      return { units, planned: undefined, parallel: units.length };
    }
    case 'burst': {
      const at = startAt + load.startDelay;
      const units: Unit[] = contiguous(load.count, load.slices).map(([firstIndex, count], i) => ({
        kind: 'burst', runId, unitId: unitId('s', i), firstIndex, count, startAt: at,
      }));
      return { units, planned: load.count, parallel: units.length };
    }
  }
}

/** Cuts `total` items into at most `parts` contiguous [first, count] slices, sizes differing by at most one. */
function contiguous(total: number, parts: number): Array<[number, number]> {
  const n = Math.min(parts, total);
  const slices: Array<[number, number]> = [];
  let first = 0;
  for (let i = 0; i < n; i++) {
    const count = Math.floor(total / n) + (i < total % n ? 1 : 0);
    slices.push([first, count]);
    first += count;
  }
  return slices;
}

function planBatches(plan: Plan, runId: string, payloads: PayloadSource): BatchUnit[] {
  const load = plan.load;
  if (load.model !== 'batches') return [];
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
      const unit: BatchUnit = { kind: 'batch', runId, unitId: unitId('b', units.length), indices: indices.slice(from, from + load.batchSize) };
      if (groupOf) unit.group = group;
      units.push(unit);
    }
  }
  return units;
}
