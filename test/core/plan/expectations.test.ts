import { describe, expect, it } from 'vitest';
import { evaluateExpectations, ExpectationSchema, RatioSchema, type ExpectationFigures } from '../../../lib/core/plan/expectations.ts';

const figures: ExpectationFigures = {
  lifecycles: { planned: 200, completed: 195, failed: 3, dropped: 2, nonTerminal: 1 },
  states: { activated: 170, ended: 169 },
  errorRate: 0.004,
  endpoints: {
    create: { attempts: 210, errorRate: 0.02, statusCodes: { '202': 200, '503': 10 }, latencyMs: { p50: 40, p95: 480, p99: 900, max: 1500 } },
  },
};

/** Parses raw rules as the plan would, then evaluates them. */
const evaluate = (...rules: unknown[]): ReturnType<typeof evaluateExpectations> =>
  evaluateExpectations(rules.map((r) => ExpectationSchema.parse(r)), figures);

describe('Function: evaluateExpectations', () => {
  describe('lifecycles rules', () => {
    it.each([
      { rule: { lifecycles: 'planned', equals: 200 }, ok: true, expected: '= 200', actual: '200' },
      { rule: { lifecycles: 'completed', atLeast: 196 }, ok: false, expected: '>= 196', actual: '195' },
      { rule: { lifecycles: 'failed', below: 4 }, ok: true, expected: '< 4', actual: '3' },
      { rule: { lifecycles: 'dropped', atMost: 1 }, ok: false, expected: '<= 1', actual: '2' },
      { rule: { lifecycles: 'nonTerminal', equals: 0 }, ok: false, expected: '= 0', actual: '1' },
      { rule: { lifecycles: 'completed', above: 100, below: 196 }, ok: true, expected: '< 196 and > 100', actual: '195' },
      { rule: { lifecycles: 'completed', above: 100, below: 195 }, ok: false, expected: '< 195 and > 100', actual: '195' },
    ])('checks $rule', ({ rule, ok, expected, actual }) => {
      // Act
      const [result] = evaluate(rule);

      // Assess
      expect(result).toEqual({ rule: `lifecycles ${rule.lifecycles}`, ok, expected, actual });
    });
  });

  describe('state rules', () => {
    it('passes when the state count matches', () => {
      expect(evaluate({ state: 'activated', equals: 170 })).toEqual([{ rule: 'state activated', ok: true, expected: '= 170', actual: '170' }]);
    });

    it('fails when it does not, and counts an unseen state as 0', () => {
      expect(evaluate({ state: 'ended', equals: 170 }, { state: 'cancelled', equals: 30 })).toEqual([
        { rule: 'state ended', ok: false, expected: '= 170', actual: '169' },
        { rule: 'state cancelled', ok: false, expected: '= 30', actual: '0' },
      ]);
    });
  });

  describe('endpoint rules', () => {
    it('checks every latency quantile, the error rate, the request count and a status count', () => {
      // Act
      const results = evaluate({
        endpoint: 'create',
        p50: { below: '50ms' },
        p95: { below: '500ms' },
        p99: { atMost: '800ms' },
        max: { below: '2s' },
        errorRate: { below: '1%' },
        requests: { atLeast: 200 },
        status: { code: 503, equals: 10 },
      });

      // Assess
      expect(results).toEqual([
        { rule: 'endpoint create p50', ok: true, expected: '< 50ms', actual: '40ms' },
        { rule: 'endpoint create p95', ok: true, expected: '< 500ms', actual: '480ms' },
        { rule: 'endpoint create p99', ok: false, expected: '<= 800ms', actual: '900ms' },
        { rule: 'endpoint create max', ok: true, expected: '< 2.00s', actual: '1.50s' },
        { rule: 'endpoint create error rate', ok: false, expected: '< 1.00%', actual: '2.00%' },
        { rule: 'endpoint create requests', ok: true, expected: '>= 200', actual: '210' },
        { rule: 'endpoint create status 503', ok: true, expected: '= 10', actual: '10' },
      ]);
    });

    it('counts an endpoint without traffic as zero', () => {
      // Act
      const results = evaluate({ endpoint: 'cancel', p95: { below: '1s' }, requests: { atLeast: 1 }, errorRate: { equals: 0 }, status: { code: 200, atLeast: 1 } });

      // Assess
      expect(results.map((r) => [r.rule, r.ok, r.actual])).toEqual([
        ['endpoint cancel p95', true, '0ms'],
        ['endpoint cancel error rate', true, '0.00%'],
        ['endpoint cancel requests', false, '0'],
        ['endpoint cancel status 200', false, '0'],
      ]);
    });

    it('yields no result for an endpoint rule without checks', () => {
      expect(evaluate({ endpoint: 'create' })).toEqual([]);
    });
  });

  describe('overall error rate', () => {
    it.each([
      { cmp: { below: '1%' }, ok: true, expected: '< 1.00%' },
      { cmp: { below: '0.4%' }, ok: false, expected: '< 0.40%' },
      { cmp: { atMost: 0.004 }, ok: true, expected: '<= 0.40%' },
      { cmp: { above: '0.5%' }, ok: false, expected: '> 0.50%' },
    ])('checks error rate $cmp', ({ cmp, ok, expected }) => {
      expect(evaluate({ errorRate: cmp })).toEqual([{ rule: 'error rate', ok, expected, actual: '0.40%' }]);
    });
  });
});

describe('Const: RatioSchema', () => {
  it.each([
    { value: '1%', want: 0.01 },
    { value: '0.5%', want: 0.005 },
    { value: ' 100% ', want: 1 },
    { value: 0.25, want: 0.25 },
  ])('reads $value as $want', ({ value, want }) => {
    expect(RatioSchema.parse(value)).toBeCloseTo(want, 12);
  });

  it.each(['1', 'one%', '%', '-1%'])('rejects %j with a hint', (value) => {
    // Act
    const result = RatioSchema.safeParse(value);

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(`invalid ratio ${JSON.stringify(value)}: use a percentage like "1%" or a fraction like 0.01`);
  });

  it('rejects a fraction above 1', () => {
    expect(RatioSchema.safeParse(1.5).success).toBe(false);
  });
});

describe('Const: ExpectationSchema', () => {
  it.each([
    { rule: { lifecycles: 'nonTerminal' } },
    { rule: { state: 'ended' } },
    { rule: { endpoint: 'create', p95: {} } },
    { rule: { endpoint: 'create', status: { code: 200 } } },
    { rule: { lifecycles: 'bogus', equals: 1 } },
    { rule: { errorRate: { below: 'lots' } } },
    { rule: { endpoint: 'create', p95: { below: '5x' } } },
  ])('rejects $rule', ({ rule }) => {
    expect(ExpectationSchema.safeParse(rule).success).toBe(false);
  });

  it('turns latencies into ms and ratios into fractions', () => {
    expect(ExpectationSchema.parse({ endpoint: 'e', p99: { below: '1.5s' }, errorRate: { atMost: '2%' } })).toEqual({ endpoint: 'e', p99: { below: 1500 }, errorRate: { atMost: 0.02 } });
  });
});
