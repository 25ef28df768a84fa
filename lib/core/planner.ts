import { compilePath } from './plan/path.ts';
import type { Plan } from './plan/schema.ts';
import type { PayloadSource } from './payloads.ts';
import { Rng } from './rng.ts';
import { rateSchedule } from './load/rate-pacer.ts';
import { splitRate } from './load/split-rate.ts';
import type { BatchUnit, Unit } from './units.ts';

/** A run's units, how many lifecycles they plan, and how many units a local driver runs at once. */
export interface UnitPlan {
  readonly units: Unit[];
  /** Lifecycles planned; undefined for open-ended models (`vus`), where the count is what was started. */
  readonly planned: number | undefined;
  /** Units run at once by the local driver (a batch pool); other models run every unit at once. */
  readonly parallel: number;
}

/**
 * A run's units, built one at a time: `at(i)` builds unit i when it is asked for (the same unit every
 * time). A run of batches holds no list of its lifecycles' indices, only what `at` needs to cut them
 * (nothing without `groupBy`; one 4-byte entry per lifecycle with it), so a driver that takes its units
 * in turn keeps just the units it is running.
 */
export interface UnitList {
  readonly length: number;
  at(index: number): Unit;
}

/** `UnitPlan` with its units as a `UnitList`. */
export interface UnitListPlan {
  readonly units: UnitList;
  readonly planned: number | undefined;
  readonly parallel: number;
}

/** The longest group name a batch unit carries as its label (a payload value can be long; the unit must stay small). */
export const MAX_GROUP_LABEL = 200;

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
  const { units, planned, parallel } = planUnitList(plan, runId, payloads, startAt);
  return { units: Array.from({ length: units.length }, (_, i) => units.at(i)), planned, parallel };
}

/** `planUnits`, with the units built on demand (`UnitList`): what the local driver runs. */
export function planUnitList(plan: Plan, runId: string, payloads: PayloadSource, startAt: number): UnitListPlan {
  const load = plan.load;
  switch (load.model) {
    case 'batches':
      return { units: batchList(plan, runId, payloads), planned: payloads.count, parallel: load.parallel };
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
      return { units: listOf(units), planned: firstIndex, parallel: units.length };
    }
    case 'vus': {
      const slices = contiguous(load.vus, load.workers);
      const units: Unit[] = slices.map(([firstVu, vus], i) => ({
        kind: 'vus', runId, unitId: unitId('v', i), firstVu, vus, totalVus: load.vus, startAt, durationMs: load.duration,
      }));
      return { units: listOf(units), planned: undefined, parallel: units.length };
    }
    case 'phases': {
      const totalUsers = Math.max(1, ...load.phases.map((p) => p.users));
      const units: Unit[] = contiguous(totalUsers, load.workers).map(([firstUser, users], i) => ({
        kind: 'phases', runId, unitId: unitId('p', i), firstUser, users, totalUsers, startAt,
      }));
      return { units: listOf(units), planned: undefined, parallel: units.length };
    }
    case 'burst': {
      const at = startAt + load.startDelay;
      const units: Unit[] = contiguous(load.count, load.slices).map(([firstIndex, count], i) => ({
        kind: 'burst', runId, unitId: unitId('s', i), firstIndex, count, startAt: at,
      }));
      return { units: listOf(units), planned: load.count, parallel: units.length };
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

/** An array as a `UnitList`. */
export function listOf(units: readonly Unit[]): UnitList {
  return { length: units.length, at: (i) => unitAt(units, i) };
}

/** Units i with i mod count === index, in order (a worker thread's shard), as a `UnitList`. */
export function shardOf(units: UnitList, index: number, count: number): UnitList {
  return { length: units.length > index ? Math.ceil((units.length - index) / count) : 0, at: (j) => units.at(index + j * count) };
}

function unitAt(units: readonly Unit[], i: number): Unit {
  const unit = units[i];
  if (unit === undefined) throw new RangeError(`unit ${i} of ${units.length} does not exist`);
  return unit;
}

/**
 * The `batches` model's units: payloads grouped by `groupBy` (groups in order of first appearance,
 * indices ascending inside a group), each group cut into batches of `batchSize`. Without `groupBy` a
 * batch is a range of indices and nothing is kept; with it, one pass over the payloads sorts their
 * indices by group (a counting sort into one Uint32Array), and batch k is a slice of that order.
 */
function batchList(plan: Plan, runId: string, payloads: PayloadSource): UnitList {
  const load = plan.load;
  if (load.model !== 'batches') return listOf([]);
  const size = load.batchSize;
  const count = payloads.count;
  const batch = (k: number, indices: number[], group?: string): BatchUnit => {
    const unit: BatchUnit = { kind: 'batch', runId, unitId: unitId('b', k), indices };
    // The label only: grouping used the whole value, and a payload value may be long.
    if (group !== undefined) unit.group = group.length > MAX_GROUP_LABEL ? `${group.slice(0, MAX_GROUP_LABEL)}…` : group;
    return unit;
  };
  if (!load.groupBy) {
    const length = Math.ceil(count / size);
    return {
      length,
      at(k) {
        if (!Number.isInteger(k) || k < 0 || k >= length) throw new RangeError(`unit ${k} of ${length} does not exist`);
        const from = k * size;
        return batch(k, Array.from({ length: Math.min(size, count - from) }, (_, i) => from + i));
      },
    };
  }
  const groupOf = compilePath(load.groupBy.replace(/^payload\./, ''));
  const names: string[] = [];
  const ordinals = new Map<string, number>();
  const ordinalOf = new Uint32Array(count);
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    const name = String(groupOf(payloads.get(i)));
    let g = ordinals.get(name);
    if (g === undefined) {
      g = names.length;
      ordinals.set(name, g);
      names.push(name);
      sizes.push(0);
    }
    ordinalOf[i] = g;
    sizes[g] = (sizes[g] as number) + 1;
  }
  // Where each group starts in `order`, and its first unit's number.
  const starts: number[] = [];
  const firstUnits: number[] = [];
  let at = 0;
  let units = 0;
  for (const n of sizes) {
    starts.push(at);
    firstUnits.push(units);
    at += n;
    units += Math.ceil(n / size);
  }
  const order = new Uint32Array(count);
  const fill = [...starts];
  for (let i = 0; i < count; i++) {
    const g = ordinalOf[i] as number;
    order[(fill[g] as number)++] = i;
  }
  const length = units;
  return {
    length,
    at(k) {
      if (!Number.isInteger(k) || k < 0 || k >= length) throw new RangeError(`unit ${k} of ${length} does not exist`);
      // The last group whose first unit is at or before k (binary search: groups can be many).
      let lo = 0;
      let hi = firstUnits.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((firstUnits[mid] as number) <= k) lo = mid;
        else hi = mid - 1;
      }
      const from = (starts[lo] as number) + (k - (firstUnits[lo] as number)) * size;
      const to = Math.min((starts[lo] as number) + (sizes[lo] as number), from + size);
      return batch(k, Array.from(order.subarray(from, to)), names[lo]);
    },
  };
}
