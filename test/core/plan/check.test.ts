import { describe, expect, it } from 'vitest';
import { checkPlan } from '../../../lib/core/plan/check.ts';
import { customPlan } from '../../helpers/engine-harness.ts';

const requests = {
  create: { method: 'POST', path: '/orders', capture: { orderId: '$.id' } },
  end: { method: 'POST', path: '/end', body: { id: '{{orderId}}' } },
};

/** Problems as `path: message`, with paths joined by dots. */
const problems = (parts: Record<string, unknown>): string[] =>
  checkPlan(customPlan({ requests, ...parts })).map((p) => `${p.path.join('.')}: ${p.message}`);

describe('Function: checkPlan', () => {
  it('finds nothing wrong in a consistent plan', () => {
    expect(problems({ lifecycle: [{ request: 'create' }, { cleanup: [{ request: 'end' }] }] })).toEqual([]);
  });

  it('walks every branch form (by + otherwise, weights, chance then/else) and cleanups', () => {
    // Prepare
    const lifecycle = [
      { choose: { by: 'payload.kind', branches: { a: [{ request: 'x1' }] }, otherwise: [{ request: 'x2' }] } },
      { choose: { weights: { a: 1 }, branches: { a: [{ request: 'x3' }] } } },
      { choose: { chance: 0.5, then: [{ request: 'x4' }], else: [{ request: 'x5' }] } },
      { cleanup: [{ choose: { chance: 1, then: [{ cleanup: [{ request: 'end' }] }] } }] },
    ];

    // Act
    const found = problems({ lifecycle });

    // Assess
    expect(found).toEqual([
      'lifecycle.0.choose.branches.a.0.request: unknown request "x1"; known requests: create, end',
      'lifecycle.0.choose.otherwise.0.request: unknown request "x2"; known requests: create, end',
      'lifecycle.1.choose.branches.a.0.request: unknown request "x3"; known requests: create, end',
      'lifecycle.2.choose.then.0.request: unknown request "x4"; known requests: create, end',
      'lifecycle.2.choose.else.0.request: unknown request "x5"; known requests: create, end',
      'lifecycle.3.cleanup.0.choose.then.0.cleanup: a cleanup cannot contain another cleanup',
      'lifecycle.3.cleanup.0.choose.then.0.cleanup.0.request: request "end" uses {{orderId}} before any step captures it (no step captures it)',
    ]);
  });

  it('reports weights without branches, branches without weights, and all-zero weights', () => {
    // Prepare
    const lifecycle = [{ choose: { weights: { a: 0, ghost: 0 }, branches: { a: [], b: [] } } }];

    // Act
    const found = problems({ lifecycle });

    // Assess
    expect(found).toEqual([
      'lifecycle.0.choose.weights.ghost: weight "ghost" has no branch; branches: a, b',
      'lifecycle.0.choose.branches.b: branch "b" has no weight',
      'lifecycle.0.choose.weights: at least one weight must be above 0',
    ]);
  });

  it('requires choose.by to read the payload or captured vars', () => {
    expect(problems({ lifecycle: [{ choose: { by: '$.type', branches: {} } }] })).toEqual([
      'lifecycle.0.choose.by: choose.by must start with "payload." or "vars.", got "$.type"',
    ]);
  });

  it('checks templates in paths, headers and bodies against the names captured before the step', () => {
    // Prepare
    const bad = {
      create: { method: 'POST', path: '/orders/{{tenant}}', headers: { 'x-trace': '{{trace}}' }, body: { a: ['{{vars.other}}'] } },
    };

    // Act
    const found = checkPlan(customPlan({ requests: bad, lifecycle: [{ request: 'create' }] })).map((p) => `${p.path.join('.')}: ${p.message}`);

    // Assess
    expect(found).toEqual([
      'lifecycle.0.request: request "create" uses {{tenant}} before any step captures it (no step captures it)',
      'lifecycle.0.request: request "create" uses {{trace}} before any step captures it (no step captures it)',
      'lifecycle.0.request: request "create" uses {{other}} before any step captures it (no step captures it)',
    ]);
  });

  it('still checks a request no step sends against the names any request captures', () => {
    const bad = { create: { method: 'POST', path: '/orders/{{tenant}}' }, unused: { path: '/x/{{ghost}}' } };
    const found = checkPlan(customPlan({ requests: bad, lifecycle: [{ request: 'create' }] })).map((p) => `${p.path.join('.')}: ${p.message}`);
    expect(found).toEqual([
      'lifecycle.0.request: request "create" uses {{tenant}} before any step captures it (no step captures it)',
      'requests.unused: template uses "{{ghost}}" but no request captures "ghost"; captured: (none)',
    ]);
  });

  it('reports exact counts that do not add up, an unknown key field, parallel over the cap and unknown expectation endpoints', () => {
    // Prepare
    const parts = {
      lifecycle: [{ request: 'create' }],
      payloads: { count: 10, key: 'id', fields: { type: { exactly: { a: 4, b: 5 } } } },
      load: { model: 'batches', batchSize: 5, parallel: 50 },
      limits: { maxConcurrency: 8 },
      expect: [{ endpoint: 'create', requests: { atLeast: 1 } }, { endpoint: 'creat', p95: { below: '1s' } }],
    };

    // Act
    const found = problems(parts);

    // Assess
    expect(found).toEqual([
      'payloads.fields.type.exactly: exact counts add up to 9 but payloads.count is 10',
      'payloads.key: key field "id" is not one of the payload fields',
      'load.parallel: parallel 50 exceeds limits.maxConcurrency 8',
      'expect.1.endpoint: unknown request "creat"; known requests: create, end',
    ]);
  });

  it('says "(none)" when the plan has no request names to offer', () => {
    // Act
    const found = checkPlan(customPlan({ requests: {}, lifecycle: [{ request: 'x' }] }));

    // Assess
    expect(found).toEqual([{ path: ['lifecycle', 0, 'request'], message: 'unknown request "x"; known requests: (none)' }]);
  });
});

describe('Function: checkPlan (templates and retry policy)', () => {
  it('reports a bad template expression at validation instead of crashing mid-run', async () => {
    const { PlanSchema } = await import('../../../lib/core/plan/schema.ts');
    const { checkPlan } = await import('../../../lib/core/plan/check.ts');
    const plan = PlanSchema.parse({
      kind: 'custom', name: 't', target: { baseUrl: 'http://127.0.0.1:1' }, payloads: { count: 1 },
      requests: { a: { path: '/x/{{seq:x}}' } }, lifecycle: [{ request: 'a' }], load: { model: 'batches', batchSize: 1, parallel: 1 },
    });
    const problems = checkPlan(plan);
    expect(problems.map((p) => p.path.join('.'))).toContain('requests.a.path');
    expect(problems.find((p) => p.path.join('.') === 'requests.a.path')?.message).toContain('unknown format ":x"');
  });

  it('rejects a retry backoff larger than maxBackoff', async () => {
    const { RetrySchema } = await import('../../../lib/core/plan/schema.ts');
    const result = RetrySchema.safeParse({ backoff: '40s', maxBackoff: '30s' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['backoff']);
  });
});

describe('Function: planWarnings', () => {
  const phasesPlan = async (weights: Record<string, number>, on = '1s') => {
    const { PlanSchema } = await import('../../../lib/core/plan/schema.ts');
    return PlanSchema.safeParse({
      kind: 'custom', name: 'p', target: { baseUrl: 'http://127.0.0.1:1' },
      requests: { a: { path: '/a' } }, tasks: { a: [{ request: 'a' }], b: [{ request: 'a' }] },
      load: { model: 'phases', phases: [{ name: 'baseline', duration: '1s', weights }], onOff: { on: { mean: on }, off: { mean: '1s' } } },
    });
  };

  it('warns when a phase has no task weights, naming the tasks that then run equally', async () => {
    const { planWarnings } = await import('../../../lib/core/plan/check.ts');
    const parsed = await phasesPlan({});
    expect(planWarnings(parsed.data!)).toEqual(['phase "baseline" has no task weights: every task (a, b) runs with weight 1']);
    expect(planWarnings((await phasesPlan({ a: 1 })).data!)).toEqual([]);
  });

  it('rejects an ON period of 0, which would make users spin without sleeping', async () => {
    const parsed = await phasesPlan({ a: 1 }, '0ms');
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['load', 'onOff', 'on', 'mean']);
  });
});
