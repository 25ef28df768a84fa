import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../../lib/core/engine/compile-plan.ts';
import { compileRequests } from '../../../lib/core/engine/compiled-request.ts';
import { compileProgram, compileWait } from '../../../lib/core/engine/program.ts';
import { RunGuard } from '../../../lib/core/engine/run-guard.ts';
import { StepListSchema, WaitSchema } from '../../../lib/core/plan/steps.ts';
import { Rng } from '../../../lib/core/rng.ts';
import { customPlan } from '../../helpers/engine-harness.ts';

const requests = { create: { method: 'POST', path: '/c' }, a: { path: '/a' }, b: { path: '/b' }, end: { path: '/end' }, details: { path: '/d' } };

/** The program of a lifecycle as `op` strings with their addresses, compact enough to assert whole. */
function layout(lifecycle: unknown[]): string[] {
  const { program } = compilePlan(customPlan({ requests, lifecycle }));
  return program.instrs.map((instr, pc) => {
    switch (instr.op) {
      case 'request':
        return `${pc} request ${instr.req.name}`;
      case 'poll':
        return `${pc} poll ${instr.req.name}`;
      case 'jump':
        return `${pc} jump ${instr.to}`;
      case 'arm':
        return `${pc} arm ${instr.cleanup}`;
      case 'switch':
        return `${pc} switch ${JSON.stringify([...instr.cases])} else ${instr.otherwise}`;
      case 'weighted':
        return `${pc} weighted ${JSON.stringify(instr.weights)} -> ${JSON.stringify(instr.targets)}`;
      case 'chance':
        return `${pc} chance ${instr.p} ${instr.then}/${instr.else}`;
      default:
        return `${pc} ${instr.op}`;
    }
  });
}

describe('Function: compileProgram', () => {
  it('flattens steps into instructions, with cleanups after the end of the body', () => {
    // Act
    const program = layout([
      { request: 'create' },
      { cleanup: [{ wait: '1s' }, { request: 'end' }] },
      { poll: { request: 'details', until: { path: '$.s', exists: true }, every: '1s' } },
      { choose: { by: 'payload.kind', branches: { x: [{ request: 'a' }], y: [] }, otherwise: [{ request: 'b' }] } },
    ]);

    // Assess
    expect(program).toEqual([
      '0 request create',
      '1 arm 10',
      '2 poll details',
      '3 switch [["x",4],["y",6]] else 7',
      '4 request a',
      '5 jump 9',
      '6 jump 9',
      '7 request b',
      '8 jump 9',
      '9 end',
      '10 wait',
      '11 request end',
      '12 endCleanup',
    ]);
  });

  it('compiles weights and chance into jumps to their branches', () => {
    // Act
    const program = layout([
      { choose: { weights: { a: 3, b: 1 }, branches: { b: [{ request: 'b' }], a: [{ request: 'a' }] } } },
      { choose: { chance: 0.25, then: [{ request: 'a' }] } },
    ]);

    // Assess
    expect(program).toEqual([
      '0 weighted [3,1] -> [1,3]',
      '1 request a',
      '2 jump 5',
      '3 request b',
      '4 jump 5',
      '5 chance 0.25 6/8',
      '6 request a',
      '7 jump 9',
      '8 jump 9',
      '9 end',
    ]);
  });

  it('marks a polled request as needing its body', () => {
    // Act
    const { requests: compiled } = compilePlan(customPlan({ requests, lifecycle: [{ request: 'a' }, { poll: { request: 'details', until: { path: '$.s', equals: 1 }, every: 1 } }] }));

    // Assess
    expect(compiled.get('details')?.needsBody).toBe(true);
    expect(compiled.get('a')?.needsBody).toBe(false);
  });

  it('throws for an unknown request and for a cleanup inside a cleanup', () => {
    // Prepare
    const compiled = compileRequests(customPlan({ requests, lifecycle: [{ request: 'a' }] }));

    // Act + Assess
    expect(() => compileProgram(StepListSchema.parse([{ request: 'nope' }]), compiled)).toThrow('unknown request "nope"');
    expect(() => compileProgram(StepListSchema.parse([{ cleanup: [{ cleanup: [] }] }]), compiled)).toThrow(
      'lifecycle[0].cleanup[0]: cleanup steps cannot contain another cleanup',
    );
  });
});

describe('Function: compileWait', () => {
  it('returns a fixed wait exactly, drawing nothing', () => {
    // Prepare
    const rng = Rng.of(1);
    const before = rng.state();

    // Act + Assess
    expect(compileWait(WaitSchema.parse('2s'))(rng)).toBe(2000);
    expect(compileWait(WaitSchema.parse({ duration: '3s' }))(rng)).toBe(3000);
    expect(rng.state()).toEqual(before);
  });

  it('draws a jittered wait within ±jitter and a uniform wait within [min, max)', () => {
    // Prepare
    const rng = Rng.of(2);
    const jittered = compileWait(WaitSchema.parse({ duration: '10s', jitter: 0.2 }));
    const uniform = compileWait(WaitSchema.parse({ uniform: { min: '1s', max: '3s' } }));

    // Act
    const js = Array.from({ length: 500 }, () => jittered(rng));
    const us = Array.from({ length: 500 }, () => uniform(rng));

    // Assess
    expect(Math.min(...js)).toBeGreaterThanOrEqual(8000);
    expect(Math.max(...js)).toBeLessThanOrEqual(12_000);
    expect(Math.max(...js) - Math.min(...js)).toBeGreaterThan(3000);
    expect(Math.min(...us)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...us)).toBeLessThan(3000);
  });
});

describe('Function: compileRequests', () => {
  it('joins the base URL without doubling the slash, and merges target and request headers lower-cased', () => {
    // Prepare
    const plan = customPlan({
      target: { baseUrl: 'http://127.0.0.1:8080/api//', headers: { 'X-A': '1', 'Content-Type': 'text/plain' }, timeout: '5s', rateLimit: 3 },
      requests: { r: { path: '/x?y=1', headers: { 'x-a': '2' }, body: { k: 1 }, expect: [201], state: 'made' } },
      lifecycle: [{ request: 'r' }],
    });

    // Act
    const r = compileRequests(plan).get('r')!;

    // Assess
    const ctx = { payload: {}, vars: {}, index: 0, runId: '', now: 0 };
    expect(r.origin).toBe('http://127.0.0.1:8080');
    expect(r.path(ctx)).toBe('/api/x?y=1');
    expect(r.headers.map(([k, v]) => [k, v(ctx)])).toEqual([['x-a', '2'], ['content-type', 'text/plain']]);
    expect(r.body?.(ctx)).toBe('{"k":1}');
    expect([...(r.expect ?? [])]).toEqual([201]);
    expect(r).toMatchObject({ method: 'GET', state: 'made', timeoutMs: 5000, rateLimit: 3, needsBody: false });
    expect(r.retry).toEqual(plan.target.retry);
  });
});

describe('Function: compileRequests, where a request goes', () => {
  const ctx = (vars: Record<string, unknown>) => ({ payload: { h: vars.h }, vars, index: 0, runId: '', now: 0 });
  const compileOne = (path: string, target: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    compileRequests(customPlan({ target: { baseUrl: 'http://127.0.0.1:8080', ...target }, requests: { r: { path, headers } }, lifecycle: [{ request: 'r' }] })).get('r')!;

  it.each([
    ['@127.0.0.2:18082/', '/@127.0.0.2:18082/'],
    ['//127.0.0.2:18082/x', '/127.0.0.2:18082/x'],
    ['\\\\127.0.0.2/x', '/127.0.0.2/x'],
    ['/\\127.0.0.2/x', '/127.0.0.2/x'],
    ['http://127.0.0.2:18082/x', '/http://127.0.0.2:18082/x'],
    ['#frag', '/#frag'],
    ['127.0.0.2:18082/x?', '/127.0.0.2:18082/x?'],
  ])('keeps a raw value %j on the fixed origin: the path renders %j', (value, path) => {
    // Prepare: the value comes first in the path, where it could pass for an authority
    const r = compileOne('/{{h:raw}}');

    // Act + Assess
    expect(r.origin).toBe('http://127.0.0.1:8080');
    expect(r.path(ctx({ h: value }))).toBe(path);
  });

  it('encodes the same values by default', () => {
    const r = compileOne('/{{payload.h}}?next={{h}}');
    expect(r.path(ctx({ h: '//127.0.0.2:18082/x?a=1#f' }))).toBe('/%2F%2F127.0.0.2%3A18082%2Fx%3Fa%3D1%23f?next=%2F%2F127.0.0.2%3A18082%2Fx%3Fa%3D1%23f');
  });

  it('joins paths to the base URL\'s path, which stays literal', () => {
    const r = compileOne('/{{h:raw}}', { baseUrl: 'http://127.0.0.1:8080/api/v1/' });
    expect(r.path(ctx({ h: '/x' }))).toBe('/api/v1//x');
    expect(r.path(ctx({ h: 'x' }))).toBe('/api/v1/x');
  });

  it('sends the base URL\'s userinfo as Basic auth, percent-decoded, and keeps it out of the origin', () => {
    const r = compileOne('/x', { baseUrl: 'http://ann:p%40ss%3Aw%C3%B6rd@127.0.0.1:8080/api' });
    expect(r.origin).toBe('http://127.0.0.1:8080');
    expect(r.path(ctx({}))).toBe('/api/x');
    expect(r.staticHeaders).toEqual({ authorization: `Basic ${Buffer.from('ann:p@ss:wörd').toString('base64')}` });
  });

  it('lets the plan\'s own authorization header win over the userinfo', () => {
    expect(compileOne('/x', { baseUrl: 'http://ann:pw@127.0.0.1:8080', headers: { Authorization: 'Bearer t' } }).staticHeaders).toEqual({ authorization: 'Bearer t' });
    expect(compileOne('/x', { baseUrl: 'http://ann:pw@127.0.0.1:8080' }, { authorization: 'Bearer r' }).staticHeaders).toEqual({ authorization: 'Bearer r' });
    expect(compileOne('/x', { baseUrl: 'http://ann@127.0.0.1:8080' }).staticHeaders).toEqual({ authorization: `Basic ${Buffer.from('ann:').toString('base64')}` });
  });
});

describe('Class: RunGuard', () => {
  it('admits up to maxRequests, then stops with the reason; the first reason wins', () => {
    // Prepare
    const guard = new RunGuard({ maxRequests: 2, deadline: 1000 });

    // Act
    const admitted = [guard.admit(0), guard.admit(0), guard.admit(0)];
    guard.stop('later reason');

    // Assess
    expect(admitted).toEqual([true, true, false]);
    expect(guard.signal.aborted).toBe(true);
    expect(guard.reason).toBe('request budget of 2 exhausted (limits.maxRequests)');
    expect((guard.signal.reason as Error).message).toBe('request budget of 2 exhausted (limits.maxRequests)');
    expect(guard.admitted).toBe(2);
  });

  it('refuses after the deadline unless forced', () => {
    // Prepare
    const guard = new RunGuard({ maxRequests: 10, deadline: 1000 });

    // Act + Assess
    expect(guard.admit(1000)).toBe(true);
    expect(guard.admit(1001)).toBe(false);
    expect(guard.reason).toBe('run deadline reached (limits.maxDuration)');
    expect(guard.admit(5000, true)).toBe(true);
    expect(guard.admitted).toBe(2);
  });

  it('stops on request, with that reason', () => {
    // Prepare
    const guard = new RunGuard({ maxRequests: 10, deadline: 1000 });

    // Act
    guard.stop('user stop');

    // Assess
    expect(guard.reason).toBe('user stop');
    expect(guard.signal.aborted).toBe(true);
  });
});
