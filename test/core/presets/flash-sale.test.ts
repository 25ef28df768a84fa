import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../../lib/core/engine/compile-plan.ts';
import { evaluateExpectations, type ExpectationFigures } from '../../../lib/core/plan/expectations.ts';
import { PlanValidationError, type PlanIssue } from '../../../lib/core/plan/issues.ts';
import { loadPlan } from '../../../lib/core/plan/plan-loader.ts';
import { planUnits } from '../../../lib/core/planner.ts';
import { FlashSaleSchema, compileFlashSale, flashSaleExpectations } from '../../../lib/core/presets/flash-sale.ts';
import { PRESETS } from '../../../lib/core/presets/index.ts';

const ROOT = join(import.meta.dirname, '../../..');
const BASE = 'kind: flash-sale\ntarget: { baseUrl: "http://127.0.0.1:8080" }\n';

/** Runs `act`, which must throw a PlanValidationError, and returns its issues as `line:col path message`. */
function issuesOf(act: () => unknown): string[] {
  try {
    act();
  } catch (error) {
    if (error instanceof PlanValidationError) return error.issues.map((i: PlanIssue) => `${i.line}:${i.col} ${i.path} ${i.message}`);
    throw error;
  }
  throw new Error('expected a PlanValidationError');
}

/** Figures of a run whose claim endpoint answered `codes`, with what the verify step read back. */
function figures(codes: Record<string, number>, verified: Record<string, unknown>, errorRate = 0): ExpectationFigures {
  const attempts = Object.values(codes).reduce((a, b) => a + b, 0);
  const latencyMs = { p50: 1, p95: 1, p99: 1, max: 1 };
  return {
    lifecycles: { planned: attempts, completed: attempts, failed: 0, dropped: 0, nonTerminal: 0 },
    states: {}, errorRate, verified,
    endpoints: { claim: { attempts, errorRate, statusCodes: codes, latencyMs } },
  };
}

describe('Schema: FlashSaleSchema', () => {
  it('applies the seed defaults: FLASH_TEST, 5 in stock, 50 buyers, one slice', () => {
    // Act
    const config = FlashSaleSchema.parse({ kind: 'flash-sale', target: { baseUrl: 'http://127.0.0.1:8080' } });

    // Assess
    expect(config).toMatchObject({ coupon: 'FLASH_TEST', stock: 5, buyers: 50, slices: 1, startDelay: 500, name: 'flash-sale' });
    expect(config.target).toEqual({ baseUrl: 'http://127.0.0.1:8080', headers: {}, timeout: 30_000 });
  });

  it('allows more stock than buyers, and expects every buyer to succeed', () => {
    // Act
    const { plan } = loadPlan(`${BASE}stock: 80\nbuyers: 50\n`, 'fs.yaml', {});

    // Assess
    expect(plan.expect).toContainEqual({ endpoint: 'claim', status: { code: 400, equals: 0 } });
    expect(plan.expect).toContainEqual({ verified: 'remaining', equals: 30 });
    expect(plan.expect).toContainEqual({ verified: 'claimedBy', count: { equals: 50 }, distinct: { equals: 50 } });
  });

  it('rejects negative stock, zero buyers and a templated coupon name, each at its own line and key', () => {
    // Act
    const issues = issuesOf(() => loadPlan(`${BASE}coupon: "A{{x}}"\nstock: -1\nbuyers: 0\n`, 'fs.yaml', {}));

    // Assess
    expect(issues).toHaveLength(3);
    expect(issues[0]).toMatch(/^3:\d+ coupon .*must not contain "\{\{"/);
    expect(issues[1]).toMatch(/^4:\d+ stock /);
    expect(issues[2]).toMatch(/^5:\d+ buyers /);
  });

  it('rejects unknown keys (a typo is not silently ignored)', () => {
    // Act
    const issues = issuesOf(() => loadPlan(`${BASE}byers: 50\n`, 'fs.yaml', {}));

    // Assess
    expect(issues.join('\n')).toContain('byers');
  });
});

describe('Function: compileFlashSale', () => {
  it('compiles to setup (create), one never-retried claim per buyer, a burst, verify (read) and the seed expectations', () => {
    // Act
    const { plan, kind } = loadPlan(`${BASE}stock: 5\nbuyers: 50\nslices: 2\nstartDelay: 200ms\n`, 'fs.yaml', {});

    // Assess
    expect(kind).toBe('flash-sale');
    expect(plan.setup).toEqual([{ request: 'create' }]);
    expect(plan.lifecycle).toEqual([{ request: 'claim' }]);
    expect(plan.verify).toEqual([{ request: 'read' }]);
    expect(plan.requests.create).toMatchObject({ method: 'POST', path: '/coupons', body: { name: 'FLASH_TEST', amount: 5 }, expect: [201], retry: false });
    expect(plan.requests.claim).toMatchObject({
      method: 'POST', path: '/coupons/claim', body: { user_id: '{{payload.userId}}', coupon_name: 'FLASH_TEST' }, expect: [200, 201, 400], retry: false,
    });
    expect(plan.requests.read).toMatchObject({ method: 'GET', path: '/coupons/FLASH_TEST', expect: [200], capture: { remaining: '$.remaining_amount', claimedBy: '$.claimed_by' } });
    expect(plan.load).toEqual({ model: 'burst', count: 50, slices: 2, spread: false, startDelay: 200 });
    expect(plan.target).toMatchObject({ maxConnections: 50, circuitBreaker: false });
    expect(plan.limits.maxConcurrency).toBe(50);
    expect(plan.expect).toEqual(flashSaleExpectations(5, 50));
    expect(plan.expect).toEqual([
      { endpoint: 'claim', requests: { equals: 50 } },
      { endpoint: 'claim', status: { code: 201, atMost: 5 } },
      { endpoint: 'claim', status: { code: 200, atMost: 5 } },
      { endpoint: 'claim', status: { code: 400, equals: 45 } },
      { errorRate: { equals: 0 } },
      { verified: 'remaining', equals: 0 },
      { verified: 'claimedBy', count: { equals: 5 }, distinct: { equals: 5 } },
    ]);
  });

  it('names buyers user_0 ... user_49 and cuts the burst into slices sharing one absolute start', () => {
    // Prepare
    const { plan } = loadPlan(`${BASE}slices: 3\nstartDelay: 1s\n`, 'fs.yaml', {});
    const compiled = compilePlan(plan);

    // Act
    const { units, planned } = planUnits(plan, 'run-1', compiled.payloads, 10_000);

    // Assess
    expect(compiled.payloads.get(0)).toEqual({ userId: 'user_0' });
    expect(compiled.payloads.get(49)).toEqual({ userId: 'user_49' });
    expect(planned).toBe(50);
    expect(units.map((u) => (u.kind === 'burst' ? [u.firstIndex, u.count, u.startAt] : []))).toEqual([[0, 17, 11_000], [17, 17, 11_000], [34, 16, 11_000]]);
  });

  it('URL-encodes the coupon name in the read-back path, and keeps user expectations when given', () => {
    // Act
    const plan = compileFlashSale(FlashSaleSchema.parse({
      kind: 'flash-sale', target: { baseUrl: 'http://127.0.0.1:8080' }, coupon: 'SALE 50%/x', expect: [{ errorRate: { below: '1%' } }],
    }));

    // Assess
    expect((plan.requests as Record<string, { path: string }>).read?.path).toBe('/coupons/SALE%2050%25%2Fx');
    expect(plan.expect).toEqual([{ errorRate: { below: 0.01 } }]);
  });

  it('is registered, and examples/flash-sale.yaml validates as 50 buyers against 5', () => {
    // Act
    const { plan } = loadPlan(readFileSync(join(ROOT, 'examples/flash-sale.yaml'), 'utf8'), 'examples/flash-sale.yaml', {});

    // Assess
    expect(PRESETS.get('flash-sale')?.kind).toBe('flash-sale');
    expect(plan.load).toMatchObject({ model: 'burst', count: 50 });
    expect(plan.requests.create?.body).toEqual({ name: 'FLASH_TEST', amount: 5 });
  });
});

describe('Function: flashSaleExpectations (evaluated)', () => {
  const rules = flashSaleExpectations(5, 50);
  const claimed = ['user_1', 'user_7', 'user_9', 'user_3', 'user_0'];

  it.each([
    ['201', { '201': 5, '400': 45 }],
    ['200', { '200': 5, '400': 45 }],
    ['a mix of 200 and 201', { '200': 2, '201': 3, '400': 45 }],
  ])('passes a correct sale whose successes are %s', (_label, codes) => {
    // Act
    const results = evaluateExpectations(rules, figures(codes, { remaining: 0, claimedBy: claimed }));

    // Assess
    expect(results.filter((r) => !r.ok)).toEqual([]);
  });

  it('fails an oversell, naming each broken rule with expected and actual', () => {
    // Act
    const results = evaluateExpectations(rules, figures({ '201': 12, '400': 38 }, { remaining: -7, claimedBy: [...claimed, ...claimed, 'u8', 'u9'] }));

    // Assess
    expect(results.filter((r) => !r.ok)).toEqual([
      { rule: 'endpoint claim status 201', ok: false, expected: '<= 5', actual: '12' },
      { rule: 'endpoint claim status 400', ok: false, expected: '= 45', actual: '38' },
      { rule: 'verified remaining', ok: false, expected: '= 0', actual: '-7' },
      { rule: 'verified claimedBy count', ok: false, expected: '= 5', actual: '12' },
      { rule: 'verified claimedBy distinct', ok: false, expected: '= 5', actual: '7' },
    ]);
  });

  it('fails when another status (409 already claimed) takes the place of a success', () => {
    // Act
    const results = evaluateExpectations(rules, figures({ '201': 4, '409': 1, '400': 45 }, { remaining: 1, claimedBy: claimed.slice(0, 4) }, 0.02));

    // Assess
    expect(results.filter((r) => !r.ok).map((r) => r.rule)).toEqual(['error rate', 'verified remaining', 'verified claimedBy count', 'verified claimedBy distinct']);
  });
});
