import { describe, expect, it } from 'vitest';
import {
  MAX_BATCH_SIZE, MAX_CONCURRENCY, MAX_DURATION_MS, MAX_PAYLOADS, MAX_PLAN_BYTES, MAX_REQUESTS, MAX_RPS, MAX_RUN_DURATION_MS, MAX_TIMEOUT_MS, MAX_UNITS, MAX_WORKERS,
} from '../../../lib/core/ceilings.ts';
import { loadPlan } from '../../../lib/core/plan/plan-loader.ts';
import { PlanValidationError } from '../../../lib/core/plan/source.ts';

/**
 * A general plan whose load (line 8) and limits (line 9) are given; its one request is on line 5 and
 * its lifecycle step on line 7, so every issue has a known position.
 */
const plan = (load: string, limits = '{}', parts: { request?: string; step?: string; head?: string } = {}): string => `kind: custom
name: ceilings
target: { baseUrl: "http://127.0.0.1:8080"${parts.head ?? ''} }
requests:
  r: { path: /${parts.request ?? ''} }
lifecycle:
  - ${parts.step ?? 'request: r'}
load: ${load}
limits: ${limits}
`;

/** The issues of a plan as `file:line:col  path  message` lines, or [] when it loads. */
function issues(text: string): string[] {
  try {
    loadPlan(text, 'plan.yaml', {});
    return [];
  } catch (error) {
    if (!(error instanceof PlanValidationError)) throw error;
    return error.message.split('\n');
  }
}

const SEE = 'see README: Ceilings';

describe('Plan ceilings', () => {
  describe('SAD PATH: the cases reproduced on main, refused at file:line:col with the ceiling', () => {
    it('refuses rate: 1e12 with maxRps: 1e12 (it took 1.8 GB and ignored SIGTERM)', () => {
      expect(issues(plan('{ model: rate, rate: 1e12, duration: 10s }', '{ maxRps: 1e12 }'))).toEqual([
        `plan.yaml:8:28  load.rate  at most 100000 per second, got 1000000000000 (the ceiling for one run; ${SEE})`,
        `plan.yaml:9:19  limits.maxRps  at most 100000 per second, got 1000000000000 (the ceiling for one run; ${SEE})`,
      ]);
    });

    it('refuses vus: 1e12 and count: 1e12 (RangeError: Invalid array length, after events.csv was made)', () => {
      expect(issues(plan('{ model: vus, vus: 1e12, duration: 10s }', '{ maxConcurrency: 1e12 }'))).toEqual([
        `plan.yaml:8:26  load.vus  at most 100000, got 1000000000000 (lifecycles, users or requests at once in one run; ${SEE})`,
        `plan.yaml:9:27  limits.maxConcurrency  at most 100000, got 1000000000000 (lifecycles, users or requests at once in one run; ${SEE})`,
      ]);
      expect(issues(plan('{ model: burst, count: 1e12 }'))).toEqual([
        `plan.yaml:8:30  load.count  at most 100000, got 1000000000000 (lifecycles, users or requests at once in one run; ${SEE})`,
      ]);
    });

    it('refuses duration: 0 (it COMPLETED with 0 lifecycles, exit 0)', () => {
      expect(issues(plan('{ model: vus, vus: 1, duration: 0 }'))).toEqual(['plan.yaml:8:39  load.duration  must be above 0, got 0ms (a load of no time starts nothing)']);
      expect(issues(plan('{ model: rate, rate: 1, duration: 0s }'))).toEqual(['plan.yaml:8:41  load.duration  must be above 0, got 0ms (a load of no time starts nothing)']);
    });

    it('refuses timeout: 0 (random timeouts)', () => {
      expect(issues(plan('{ model: vus, vus: 1, duration: 1s }', '{}', { head: ', timeout: 0' }))).toEqual([
        'plan.yaml:3:54  target.timeout  must be above 0, got 0ms (a deadline of 0 times requests out at random)',
      ]);
      expect(issues(plan('{ model: vus, vus: 1, duration: 1s }', '{}', { request: ', timeout: 0ms' }))).toEqual([
        'plan.yaml:5:26  requests.r.timeout  must be above 0, got 0ms (a deadline of 0 times requests out at random)',
      ]);
    });

    it('refuses wait: 1000h (the timer overflowed and fired after 1 ms)', () => {
      expect(issues(plan('{ model: vus, vus: 1, duration: 1s }', '{}', { step: 'wait: 1000h' }))).toEqual([
        `plan.yaml:7:11  lifecycle[0].wait  at most 24h, got 1000h (the longest load: no duration in a plan needs more; ${SEE})`,
      ]);
    });
  });

  describe('SAD PATH: one past each ceiling', () => {
    const vus = '{ model: vus, vus: 1, duration: 1s }';
    it.each([
      ['load.rate', plan(`{ model: rate, rate: ${MAX_RPS + 1}, duration: 1s }`, `{ maxRps: ${MAX_RPS} }`), 'at most 100000 per second'],
      ['load.workers', plan(`{ model: rate, rate: 1, duration: 1s, workers: ${MAX_WORKERS + 1} }`), 'at most 10000, got 10001'],
      ['load.maxInFlight', plan(`{ model: rate, rate: 1, duration: 1s, maxInFlight: ${MAX_CONCURRENCY + 1} }`), 'at most 100000, got 100001'],
      ['load.duration', plan('{ model: vus, vus: 1, duration: 86400001 }'), 'at most 24h, got 86400001ms'],
      ['load.duration', plan('{ model: vus, vus: 1, duration: .inf }'), 'expected string or number'],
      ['load.duration', plan('{ model: vus, vus: 1, duration: .nan }'), 'expected string or number'],
      ['load.duration', plan('{ model: vus, vus: 1, duration: -1 }'), 'invalid duration -1'],
      ['load.duration', plan(`{ model: vus, vus: 1, duration: "${'9'.repeat(400)}h" }`), 'invalid duration'],
      ['load.slices', plan(`{ model: burst, count: 1, slices: ${MAX_WORKERS + 1} }`), 'at most 10000'],
      ['load.startDelay', plan('{ model: burst, count: 1, startDelay: 25h }'), 'at most 24h, got 25h'],
      ['load.batchSize', plan(`{ model: batches, batchSize: ${MAX_BATCH_SIZE + 1}, parallel: 1 }`), 'at most 10000, got 10001'],
      ['limits.maxRequests', plan(vus, `{ maxRequests: ${MAX_REQUESTS + 1} }`), 'at most 10000000000'],
      ['limits.maxDuration', plan(vus, '{ maxDuration: 26h }'), 'at most 25h, got 26h'],
      ['limits.maxDuration', plan(vus, '{ maxDuration: 0 }'), 'must be above 0'],
      ['target.timeout', plan(vus, '{}', { head: ', timeout: 16m' }), 'at most 15m, got 16m'],
      ['target.maxConnections', plan(vus, '{}', { head: ', maxConnections: 10001' }), 'at most 10000'],
      ['target.retry.max', plan(vus, '{}', { head: ', retry: { max: 21 }' }), 'at most 20'],
      ['target.retry.factor', plan(vus, '{}', { head: ', retry: { factor: 11 }' }), 'at most 10'],
      ['target.rateLimit', plan(vus, '{}', { head: ', rateLimit: 100001' }), 'at most 100000 per second'],
      ['lifecycle[0].poll.maxAttempts', plan(vus, '{}', { step: 'poll: { request: r, until: { path: $.a, exists: true }, every: 1s, maxAttempts: 10001 }' }), 'at most 10000'],
      ['lifecycle[0].poll.backoff', plan(vus, '{}', { step: 'poll: { request: r, until: { path: $.a, exists: true }, every: 1s, backoff: 11 }' }), 'at most 10'],
      ['lifecycle[0].poll.every', plan(vus, '{}', { step: 'poll: { request: r, until: { path: $.a, exists: true }, every: 25h }' }), 'at most 24h'],
      ['lifecycle[0].wait.uniform.min', plan(vus, '{}', { step: 'wait: { uniform: { min: 2s, max: 1s } }' }), 'min <= max'],
      ['lifecycle[0].choose.weights.a', plan(vus, '{}', { step: 'choose: { weights: { a: 1000001 }, branches: { a: [] } }' }), 'at most 1000000'],
      ['requests.r.path', plan(vus).replace('r: { path: / }', 'r: { path: "/{{seq:033}}" }'), 'zero-padding width 33'],
    ])('refuses %s past its ceiling', (path, text, message) => {
      const found = issues(text);
      expect(found).toHaveLength(1);
      expect(found[0]).toContain(`  ${path}  `);
      expect(found[0]).toContain(message);
    });

    it('refuses a plan over MAX_PLAN_BYTES before parsing it, and raw control characters at their position', () => {
      const big = plan('{ model: vus, vus: 1, duration: 1s }') + `# ${'x'.repeat(MAX_PLAN_BYTES)}\n`;
      expect(issues(big)).toEqual([`plan.yaml:1:1  the plan is ${big.length} bytes or more: at most ${MAX_PLAN_BYTES} (120 KiB; the fleet passes it in a Step Functions input of 256 KiB and stores it in one DynamoDB item; ${SEE})`]);
      expect(issues(plan('{ model: vus, vus: 1, duration: 1s }').replace('ceilings', 'ceil\u0001ings'))).toEqual([
        'plan.yaml:2:11  control character U+0001 in the plan: write it escaped in a quoted string, e.g. "\\u0001"',
      ]);
    });

    it('refuses a ratio above 100%, more payloads than MAX_PAYLOADS, and too many exactly fields', () => {
      expect(issues(plan('{ model: vus, vus: 1, duration: 1s }').replace('limits: {}', 'limits: {}\nexpect: [{ errorRate: { below: "500%" } }]'))).toEqual([
        'plan.yaml:10:32  expect[0].errorRate.below  invalid ratio "500%": a ratio is at most 100%',
      ]);
      const payloads = (body: string): string => plan('{ model: batches, batchSize: 100, parallel: 1 }').replace('limits: {}', `limits: {}\npayloads: ${body}`);
      expect(issues(payloads(`{ count: ${MAX_PAYLOADS + 1} }`))[0]).toContain('payloads.count  at most 1000000, got 1000001');
      const fields = Array.from({ length: 17 }, (_, i) => `f${i}: { exactly: { a: 100 } }`).join(', ');
      expect(issues(payloads(`{ count: 100, fields: { ${fields} } }`))).toEqual([
        `plan.yaml:10:33  payloads.fields  17 exactly fields: at most 16 (each keeps a table of payloads.count entries; ${SEE})`,
      ]);
    });
  });

  describe('SAD PATH: plans that would mean nothing or cut into too many units', () => {
    it('refuses a batches plan that makes more than MAX_UNITS units, naming the batch size that fits', () => {
      const text = plan(`{ model: batches, batchSize: 1, parallel: 1 }`).replace('limits: {}', `limits: {}\npayloads: { count: ${MAX_PAYLOADS} }`);
      expect(issues(text)).toEqual([
        `plan.yaml:8:36  load.batchSize  ${MAX_PAYLOADS} payloads in batches of 1 make up to ${MAX_PAYLOADS} units: at most ${MAX_UNITS} (the fleet writes and sends one per unit; ${SEE}); use batchSize 10 or more`,
      ]);
    });

    it('refuses a rate whose busiest worker may not start within the duration', () => {
      expect(issues(plan('{ model: rate, rate: 100, workers: 100, duration: 500ms }'))).toEqual([
        'plan.yaml:8:57  load.duration  500ms may end before the first start: at 100/s over 100 worker(s) the busiest worker starts once every 1s, and startJitter puts its first start anywhere in that interval; make duration at least 1s, use fewer workers, or set startJitter: false',
      ]);
      expect(issues(plan('{ model: rate, rate: 100, workers: 100, duration: 500ms, startJitter: false }'))).toEqual([]);
    });

    it('refuses phases that last more than a day in all, or that have no users', () => {
      const phases = (list: string): string => plan(`{ model: phases, phases: ${list} }`, '{ maxDuration: 25h }').replace('lifecycle:\n  - request: r', 'tasks:\n  t: [ { request: r } ]');
      expect(issues(phases('[ { name: a, duration: 20h }, { name: b, duration: 5h } ]'))).toEqual([
        `plan.yaml:8:32  load.phases  the phases last 25h in all: at most 24h (the longest load; ${SEE})`,
      ]);
      expect(issues(phases('[ { name: a, duration: 1h, users: 0 } ]'))).toEqual([
        'plan.yaml:8:32  load.phases  no phase has users: the run would start nothing (give a phase users: 1 or more)',
      ]);
    });
  });

  describe('HAPPY PATH: a plan at every ceiling loads', () => {
    it.each([
      ['rate', `{ model: rate, rate: ${MAX_RPS}, workers: ${MAX_WORKERS}, duration: 24h, maxInFlight: ${MAX_CONCURRENCY} }`],
      ['vus', `{ model: vus, vus: ${MAX_CONCURRENCY}, duration: 24h, workers: ${MAX_WORKERS} }`],
      ['burst', `{ model: burst, count: ${MAX_CONCURRENCY}, slices: ${MAX_WORKERS}, startDelay: 24h }`],
    ])('loads a %s plan at its ceilings', (_, load) => {
      const limits = `{ maxRps: ${MAX_RPS}, maxRequests: ${MAX_REQUESTS}, maxDuration: ${MAX_RUN_DURATION_MS}, maxConcurrency: ${MAX_CONCURRENCY} }`;
      expect(issues(plan(load, limits, { head: `, timeout: ${MAX_TIMEOUT_MS}`, step: `wait: ${MAX_DURATION_MS}` }))).toEqual([]);
    });
  });
});
