import { CEILINGS_DOC, MAX_DURATION_MS, MAX_EXACTLY_FIELDS, MAX_UNITS, formatPlanDuration } from '../ceilings.ts';
import { splitRate } from '../load/split-rate.ts';
import { isGeneratorShape } from './payload-spec.ts';
import type { PlanProblem } from './issues.ts';
import type { Plan } from './schema.ts';

/**
 * Checks the numbers of a plan against each other and against the ceilings no single key shows: the
 * load within `limits`, the units a load is cut into (`MAX_UNITS`), the phases' total length, the
 * `exactly` tables (`MAX_EXACTLY_FIELDS`), and that the load starts something at all (a plan that
 * plans nothing would "complete" with nothing done).
 */
export function limitProblems(plan: Plan): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const { load, limits } = plan;
  const over = (path: Array<string | number>, message: string): void => void problems.push({ path, message });
  switch (load.model) {
    case 'vus':
      if (load.vus > limits.maxConcurrency) over(['load', 'vus'], `vus ${load.vus} exceeds limits.maxConcurrency ${limits.maxConcurrency}`);
      if (load.duration > limits.maxDuration) over(['load', 'duration'], `duration exceeds limits.maxDuration (${limits.maxDuration} ms)`);
      break;
    case 'burst':
      if (load.count > limits.maxConcurrency) over(['load', 'count'], `a burst of ${load.count} exceeds limits.maxConcurrency ${limits.maxConcurrency}`);
      break;
    case 'rate':
      if (load.duration > limits.maxDuration) over(['load', 'duration'], `duration exceeds limits.maxDuration (${limits.maxDuration} ms)`);
      if (load.rate > limits.maxRps) over(['load', 'rate'], `rate ${load.rate}/s exceeds limits.maxRps ${limits.maxRps}`);
      rateStartsSomething(load, over);
      break;
    case 'batches':
      if (load.parallel > limits.maxConcurrency) over(['load', 'parallel'], `parallel ${load.parallel} exceeds limits.maxConcurrency ${limits.maxConcurrency}`);
      batchUnitsFit(plan, over);
      break;
    case 'phases': {
      const users = Math.max(...load.phases.map((p) => p.users));
      if (users > limits.maxConcurrency) over(['load', 'phases'], `${users} users exceed limits.maxConcurrency ${limits.maxConcurrency}`);
      if (users === 0) over(['load', 'phases'], 'no phase has users: the run would start nothing (give a phase users: 1 or more)');
      const total = load.phases.reduce((sum, p) => sum + p.duration, 0);
      if (total > MAX_DURATION_MS) {
        over(['load', 'phases'], `the phases last ${formatPlanDuration(total)} in all: at most ${formatPlanDuration(MAX_DURATION_MS)} (the longest load; ${CEILINGS_DOC})`);
      } else if (total > limits.maxDuration) {
        over(['load', 'phases'], `the phases last ${total} ms in all, over limits.maxDuration (${limits.maxDuration} ms)`);
      }
      break;
    }
  }
  const exact = countExactly(plan.payloads.fields);
  if (exact > MAX_EXACTLY_FIELDS) {
    over(['payloads', 'fields'], `${exact} exactly fields: at most ${MAX_EXACTLY_FIELDS} (each keeps a table of payloads.count entries; ${CEILINGS_DOC})`);
  }
  return problems;
}

type Over = (path: Array<string | number>, message: string) => void;

/**
 * A rate must start at least once within its duration, whatever the seed: with `startJitter` the first
 * start of a worker falls anywhere in its first interval, so the busiest worker's interval must fit in
 * the duration (without it, the first starts are at once).
 */
function rateStartsSomething(load: Extract<Plan['load'], { model: 'rate' }>, over: Over): void {
  if (!load.startJitter) return;
  const busiest = splitRate(load.rate, load.workers)[0] as number;
  const interval = 1000 / busiest;
  if (load.duration >= interval) return;
  over(['load', 'duration'], `${formatPlanDuration(load.duration)} may end before the first start: at ${load.rate}/s over ${load.workers} worker(s) the busiest worker starts once every ${formatPlanDuration(Math.ceil(interval))}, and startJitter puts its first start anywhere in that interval; make duration at least ${formatPlanDuration(Math.ceil(interval))}, use fewer workers, or set startJitter: false`);
}

/**
 * A `batches` run has one unit per batch: at most `ceil(count / batchSize) + groups - 1` of them (a
 * group's last batch may be short), never more than the payloads. The groups are bounded from the
 * `groupBy` field's spec without building a payload.
 */
function batchUnitsFit(plan: Plan, over: Over): void {
  const load = plan.load;
  const count = plan.payloads.count;
  if (load.model !== 'batches' || count === undefined || count <= MAX_UNITS) return;
  const groups = load.groupBy === undefined ? 1 : groupBound(plan, load.groupBy, count);
  const units = Math.min(count, Math.ceil(count / load.batchSize) + groups - 1);
  if (units <= MAX_UNITS) return;
  const hint = groups >= MAX_UNITS ? `group by a field with fewer values than ${MAX_UNITS}` : `use batchSize ${Math.ceil(count / (MAX_UNITS - groups + 1))} or more`;
  over(['load', 'batchSize'], `${count} payloads in batches of ${load.batchSize}${groups > 1 ? ` over up to ${groups} groups` : ''} make up to ${units} units: at most ${MAX_UNITS} (the fleet writes and sends one per unit; ${CEILINGS_DOC}); ${hint}`);
}

/** The most distinct values the payload field `groupBy` names can take over `count` payloads. */
function groupBound(plan: Plan, groupBy: string, count: number): number {
  const path = groupBy.replace(/^payload\./, '');
  // A nested path is not followed: any number of groups, as far as this bound knows.
  if (!/^[A-Za-z_$][\w$-]*$/.test(path)) return count;
  const spec: unknown = plan.payloads.fields[path];
  if (spec === undefined || spec === null) return 1;
  if (typeof spec === 'string') return spec.includes('{{') ? count : 1;
  if (typeof spec !== 'object') return 1;
  if (!isGeneratorShape(spec)) return 1;
  const gen = spec as { exactly?: Record<string, number>; pick?: unknown[]; int?: [number, number]; uuid?: true };
  const values = gen.exactly ? Object.keys(gen.exactly).length : gen.pick ? new Set(gen.pick).size : gen.int ? gen.int[1] - gen.int[0] + 1 : gen.uuid ? count : 1;
  return Math.min(count, values);
}

/** How many `exactly` generators the payload fields hold, nested ones included. */
function countExactly(fields: Readonly<Record<string, unknown>>): number {
  let n = 0;
  for (const spec of Object.values(fields)) {
    if (spec === null || typeof spec !== 'object') continue;
    if (isGeneratorShape(spec)) n += 'exactly' in spec ? 1 : 0;
    else n += countExactly(spec as Record<string, unknown>);
  }
  return n;
}
