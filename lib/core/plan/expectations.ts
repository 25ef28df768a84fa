import * as z from 'zod';
import { DurationSchema, formatDuration } from '../duration.ts';

/** A ratio: `"1%"`, `"0.5%"` or a fraction such as `0.01`. */
export const RatioSchema = z.union([z.number().min(0).max(1), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  if (!match) {
    ctx.addIssue({ code: 'custom', message: `invalid ratio ${JSON.stringify(value)}: use a percentage like "1%" or a fraction like 0.01` });
    return z.NEVER;
  }
  const ratio = Number(match[1]) / 100;
  if (ratio > 1) {
    ctx.addIssue({ code: 'custom', message: `invalid ratio ${JSON.stringify(value)}: a ratio is at most 100%` });
    return z.NEVER;
  }
  return ratio;
});

function comparison<T extends z.ZodType<number, unknown>>(value: T) {
  return z
    .strictObject({ equals: value.optional(), below: value.optional(), atMost: value.optional(), atLeast: value.optional(), above: value.optional() })
    .refine((c) => Object.values(c).some((v) => v !== undefined), 'give at least one of equals, below, atMost, atLeast, above');
}
const CountCmp = comparison(z.int().min(0));
const LatencyCmp = comparison(DurationSchema);
const RatioCmp = comparison(RatioSchema);
type Cmp = { equals?: number; below?: number; atMost?: number; atLeast?: number; above?: number };

const countFields = { equals: z.int().min(0).optional(), below: z.int().min(0).optional(), atMost: z.int().min(0).optional(), atLeast: z.int().min(0).optional(), above: z.int().min(0).optional() };
const hasOne = (c: Cmp): boolean => [c.equals, c.below, c.atMost, c.atLeast, c.above].some((v) => v !== undefined);
const oneMsg = 'give at least one of equals, below, atMost, atLeast, above';

/**
 * `ExpectationSchema`: a rule checked against the run's figures at the end. A failed rule fails the run
 * (exit code 1) and the report says which rule, expected versus actual.
 *
 * - `{ lifecycles: nonTerminal, equals: 0 }` (also completed, failed, dropped, planned)
 * - `{ state: activated, equals: 170 }` (lifecycles that entered a state)
 * - `{ endpoint: create, p95: { below: 500ms }, errorRate: { below: "1%" }, status: { code: 201, equals: 5 } }`
 * - `{ errorRate: { below: "1%" } }` (all requests)
 * - `{ verified: remaining, equals: 0 }`, `{ verified: claimedBy, count: { equals: 5 }, distinct: { equals: 5 } }`
 *   (values captured by the plan's `verify` steps)
 */
export const ExpectationSchema = z.union([
  z.strictObject({ lifecycles: z.enum(['planned', 'completed', 'failed', 'dropped', 'nonTerminal']), ...countFields }).refine(hasOne, oneMsg),
  z.strictObject({ state: z.string(), ...countFields }).refine(hasOne, oneMsg),
  z.strictObject({
    endpoint: z.string(),
    p50: LatencyCmp.optional(),
    p95: LatencyCmp.optional(),
    p99: LatencyCmp.optional(),
    max: LatencyCmp.optional(),
    errorRate: RatioCmp.optional(),
    requests: CountCmp.optional(),
    status: z.strictObject({ code: z.int().min(100).max(599), ...countFields }).refine(hasOne, oneMsg).optional(),
  }),
  z.strictObject({ errorRate: RatioCmp }),
  z
    .strictObject({
      verified: z.string(),
      equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
      below: z.number().optional(),
      atMost: z.number().optional(),
      atLeast: z.number().optional(),
      above: z.number().optional(),
      /** Length of a captured array, e.g. claimed_by. */
      count: CountCmp.optional(),
      /** Number of distinct values in a captured array. */
      distinct: CountCmp.optional(),
    })
    .refine((r) => [r.equals, r.below, r.atMost, r.atLeast, r.above, r.count, r.distinct].some((v) => v !== undefined), 'give equals, below, atMost, atLeast, above, count or distinct'),
]);
export type Expectation = z.output<typeof ExpectationSchema>;

/** The figures expectations are checked against (a subset of the run report). */
export interface ExpectationFigures {
  readonly lifecycles: Readonly<Record<'planned' | 'completed' | 'failed' | 'dropped' | 'nonTerminal', number>>;
  readonly states: Readonly<Record<string, number>>;
  readonly errorRate: number;
  /** Values captured by the plan's verify steps. */
  readonly verified?: Readonly<Record<string, unknown>>;
  readonly endpoints: Readonly<Record<string, {
    readonly attempts: number;
    readonly errorRate: number;
    readonly statusCodes: Readonly<Record<string, number>>;
    readonly latencyMs: Readonly<Record<'p50' | 'p95' | 'p99' | 'max', number>>;
  }>>;
}

/** The verdict on one expectation. */
export interface ExpectationResult {
  readonly rule: string;
  readonly ok: boolean;
  readonly expected: string;
  readonly actual: string;
}

type Formatter = (value: number) => string;
const asCount: Formatter = (v) => String(v);
const asPercent: Formatter = (v) => `${(v * 100).toFixed(2)}%`;
const asLatency: Formatter = (v) => formatDuration(v);

function check(rule: string, actual: number, cmp: Cmp, fmt: Formatter): ExpectationResult {
  const parts: string[] = [];
  let ok = true;
  const test = (value: number | undefined, label: string, holds: (a: number, v: number) => boolean): void => {
    if (value === undefined) return;
    parts.push(`${label} ${fmt(value)}`);
    ok &&= holds(actual, value);
  };
  test(cmp.equals, '=', (a, v) => a === v);
  test(cmp.below, '<', (a, v) => a < v);
  test(cmp.atMost, '<=', (a, v) => a <= v);
  test(cmp.atLeast, '>=', (a, v) => a >= v);
  test(cmp.above, '>', (a, v) => a > v);
  return { rule, ok, expected: parts.join(' and '), actual: fmt(actual) };
}

/** Evaluates every expectation against the run's figures; unknown endpoints count as zero traffic. */
export function evaluateExpectations(rules: readonly Expectation[], figures: ExpectationFigures): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  for (const rule of rules) {
    if ('lifecycles' in rule) {
      results.push(check(`lifecycles ${rule.lifecycles}`, figures.lifecycles[rule.lifecycles], rule, asCount));
    } else if ('state' in rule) {
      results.push(check(`state ${rule.state}`, figures.states[rule.state] ?? 0, rule, asCount));
    } else if ('endpoint' in rule) {
      const ep = figures.endpoints[rule.endpoint];
      const name = `endpoint ${rule.endpoint}`;
      for (const q of ['p50', 'p95', 'p99', 'max'] as const) {
        const cmp = rule[q];
        if (cmp) results.push(check(`${name} ${q}`, ep?.latencyMs[q] ?? 0, cmp, asLatency));
      }
      if (rule.errorRate) results.push(check(`${name} error rate`, ep?.errorRate ?? 0, rule.errorRate, asPercent));
      if (rule.requests) results.push(check(`${name} requests`, ep?.attempts ?? 0, rule.requests, asCount));
      if (rule.status) results.push(check(`${name} status ${rule.status.code}`, ep?.statusCodes[String(rule.status.code)] ?? 0, rule.status, asCount));
    } else if ('verified' in rule) {
      results.push(...checkVerified(rule, figures.verified?.[rule.verified]));
    } else {
      results.push(check('error rate', figures.errorRate, rule.errorRate, asPercent));
    }
  }
  return results;
}

type VerifiedRule = Extract<Expectation, { verified: string }>;

function checkVerified(rule: VerifiedRule, value: unknown): ExpectationResult[] {
  const name = `verified ${rule.verified}`;
  const results: ExpectationResult[] = [];
  if (rule.equals !== undefined) {
    results.push({ rule: name, ok: value === rule.equals, expected: `= ${JSON.stringify(rule.equals)}`, actual: JSON.stringify(value) ?? 'missing' });
  }
  const numeric: Cmp = { below: rule.below, atMost: rule.atMost, atLeast: rule.atLeast, above: rule.above };
  if (Object.values(numeric).some((v) => v !== undefined)) {
    results.push(typeof value === 'number' ? check(name, value, numeric, asCount) : { rule: name, ok: false, expected: 'a number', actual: JSON.stringify(value) ?? 'missing' });
  }
  const list = Array.isArray(value) ? (value as unknown[]) : undefined;
  const notList = (label: string): ExpectationResult => ({ rule: `${name} ${label}`, ok: false, expected: 'a list', actual: JSON.stringify(value) ?? 'missing' });
  if (rule.count) results.push(list ? check(`${name} count`, list.length, rule.count, asCount) : notList('count'));
  if (rule.distinct) results.push(list ? check(`${name} distinct`, new Set(list.map((v) => JSON.stringify(v))).size, rule.distinct, asCount) : notList('distinct'));
  return results;
}
