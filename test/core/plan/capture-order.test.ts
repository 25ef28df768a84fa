import { describe, expect, it } from 'vitest';
import { checkPlan } from '../../../lib/core/plan/check.ts';
import { loadPlan } from '../../../lib/core/plan/plan-loader.ts';
import { formatPath, PlanValidationError } from '../../../lib/core/plan/source.ts';
import { customPlan } from '../../helpers/engine-harness.ts';

const requests = {
  create: { method: 'POST', path: '/orders', capture: { orderId: '$.id' } },
  details: { path: '/details?id={{orderId}}' },
  status: { path: '/status', capture: { orderId: '$.id' } },
  other: { path: '/other' },
};

/** Capture-order problems of a plan, as `path: message` with the path as a plan reads it. */
const problems = (parts: Record<string, unknown>): string[] =>
  checkPlan(customPlan({ requests, ...parts }))
    .filter((p) => p.message.includes('before any step captures'))
    .map((p) => `${formatPath(p.path)}: ${p.message}`);

describe('Function: checkPlan, the order of captures', () => {
  describe('HAPPY PATH', () => {
    it.each([
      ['a request after the one that captures', [{ request: 'create' }, { request: 'details' }]],
      ['every branch captures (chance then/else)', [{ choose: { chance: 0.5, then: [{ request: 'create' }], else: [{ request: 'status' }] } }, { request: 'details' }]],
      ['every branch captures (by, with otherwise)', [{ choose: { by: 'payload.k', branches: { a: [{ request: 'create' }] }, otherwise: [{ request: 'status' }] } }, { request: 'details' }]],
      ['a branch of weight 0 is never taken', [{ choose: { weights: { a: 1, b: 0 }, branches: { a: [{ request: 'create' }], b: [] } } }, { request: 'details' }]],
      ['chance 1 never takes else', [{ choose: { chance: 1, then: [{ request: 'create' }] } }, { request: 'details' }]],
      ['a cleanup armed after the capture', [{ request: 'create' }, { cleanup: [{ request: 'details' }] }]],
      ['a poll captures once its condition holds', [{ poll: { request: 'status', until: { path: '$.ok', equals: true }, every: '1s' } }, { request: 'details' }]],
      ['a capture inside a branch, used in the same branch', [{ choose: { chance: 0.5, then: [{ request: 'create' }, { request: 'details' }] } }]],
    ])('accepts %s', (_, lifecycle) => {
      expect(problems({ lifecycle })).toEqual([]);
    });

    it('gives every lifecycle, task and verify what setup captured', () => {
      const found = problems({
        setup: [{ request: 'create' }],
        lifecycle: [{ request: 'details' }],
        tasks: { t: [{ request: 'details' }] },
        verify: [{ request: 'details' }],
      });
      expect(found).toEqual([]);
    });
  });

  describe('SAD PATH', () => {
    it('refuses a request sent before the step that captures what it uses, at file:line:col', () => {
      // Prepare
      const text = `kind: custom
name: orders
target: { baseUrl: "http://127.0.0.1:8080" }
requests:
  create: { method: POST, path: /orders, capture: { orderId: $.orderId } }
  details: { path: "/details?orderId={{orderId}}" }
lifecycle:
  - request: details
  - request: create
load: { model: vus, vus: 1, duration: 1s }
`;

      // Act
      let error: unknown;
      try {
        loadPlan(text, 'plan.yaml', {});
      } catch (caught) {
        error = caught;
      }

      // Assess
      expect(error).toBeInstanceOf(PlanValidationError);
      expect((error as PlanValidationError).message).toBe(
        'plan.yaml:8:14  lifecycle[0].request  request "details" uses {{orderId}} before any step captures it (captured later by "create" at lifecycle[1])',
      );
    });

    it('refuses a use after a choose when one branch that can be taken does not capture', () => {
      expect(problems({ lifecycle: [{ choose: { chance: 0.5, then: [{ request: 'create' }] } }, { request: 'details' }] })).toEqual([
        'lifecycle[1].request: request "details" uses {{orderId}} before any step captures it (captured by "create" at lifecycle[0].choose.then[0], which not every path to this step runs)',
      ]);
    });

    it('refuses a use after a switch without otherwise, and in a sibling branch', () => {
      const lifecycle = [
        { choose: { by: 'payload.k', branches: { a: [{ request: 'create' }], b: [{ request: 'details' }] } } },
        { request: 'details' },
      ];
      expect(problems({ lifecycle })).toEqual([
        'lifecycle[0].choose.branches.b[0].request: request "details" uses {{orderId}} before any step captures it (captured by "create" at lifecycle[0].choose.branches.a[0], which not every path to this step runs)',
        'lifecycle[1].request: request "details" uses {{orderId}} before any step captures it (captured by "create" at lifecycle[0].choose.branches.a[0], which not every path to this step runs)',
      ]);
    });

    it('refuses a weighted choose whose taken branches do not all capture', () => {
      const lifecycle = [{ choose: { weights: { a: 1, b: 1 }, branches: { a: [{ request: 'create' }], b: [{ request: 'other' }] } } }, { request: 'details' }];
      expect(problems({ lifecycle })).toHaveLength(1);
    });

    it('refuses a cleanup armed before the capture (it may run when the capture failed), and body steps after a cleanup that captures', () => {
      const lifecycle = [
        { cleanup: [{ request: 'details' }] },
        { request: 'create' },
        { cleanup: [{ request: 'status' }] },
      ];
      expect(problems({ lifecycle })).toEqual([
        'lifecycle[0].cleanup[0].request: request "details" uses {{orderId}} before any step captures it (captured later by "create" at lifecycle[1])',
      ]);
      const afterCleanup = [{ cleanup: [{ request: 'create' }] }, { request: 'details' }];
      expect(problems({ lifecycle: afterCleanup })).toEqual([
        'lifecycle[1].request: request "details" uses {{orderId}} before any step captures it (captured by "create" at lifecycle[0].cleanup[0], which not every path to this step runs)',
      ]);
    });

    it('refuses a poll that uses what only its own response captures', () => {
      const own = { ...requests, poller: { path: '/p/{{orderId}}', capture: { orderId: '$.id' } } };
      const found = checkPlan(customPlan({ requests: own, lifecycle: [{ poll: { request: 'poller', until: { path: '$.ok', exists: true }, every: '1s' } }] }));
      expect(found.map((p) => `${formatPath(p.path)}: ${p.message}`)).toEqual([
        'lifecycle[0].poll.request: request "poller" uses {{orderId}} before any step captures it ("poller" captures it only from its own response)',
      ]);
    });

    it('keeps lifecycles, tasks and verify apart: only setup is shared', () => {
      const found = problems({
        lifecycle: [{ request: 'create' }],
        tasks: { a: [{ request: 'create' }], b: [{ request: 'details' }] },
        verify: [{ request: 'details' }],
      });
      expect(found).toEqual([
        'tasks.b[0].request: request "details" uses {{orderId}} before any step captures it (captured by "create" at lifecycle[0], and only setup\'s captures are shared; each lifecycle, task and verify has its own)',
        'verify[0].request: request "details" uses {{orderId}} before any step captures it (captured by "create" at lifecycle[0], and only setup\'s captures are shared; each lifecycle, task and verify has its own)',
      ]);
    });

    it('refuses setup steps that use what only the lifecycle captures', () => {
      expect(problems({ setup: [{ request: 'details' }], lifecycle: [{ request: 'create' }] })).toEqual([
        'setup[0].request: request "details" uses {{orderId}} before any step captures it (captured by "create" at lifecycle[0], which runs after setup)',
      ]);
    });

    it('counts target headers as part of every request', () => {
      const found = problems({ target: { baseUrl: 'http://127.0.0.1:8080', headers: { 'x-order': '{{orderId}}' } }, lifecycle: [{ request: 'create' }, { request: 'other' }] });
      expect(found).toEqual([
        'lifecycle[0].request: request "create" uses {{orderId}} before any step captures it ("create" captures it only from its own response)',
      ]);
    });
  });
});
