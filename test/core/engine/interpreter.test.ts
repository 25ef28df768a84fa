import { describe, expect, it } from 'vitest';
import { CursorSchema, type Cursor } from '../../../lib/core/engine/cursor.ts';
import { runLifecycle, startCursor } from '../../../lib/core/engine/interpreter.ts';
import { runBatch } from '../../../lib/core/load/batches.ts';
import { runCursors } from '../../../lib/core/load/leftovers.ts';
import type { HttpRequest } from '../../../lib/core/ports.ts';
import type { BatchUnit } from '../../../lib/core/units.ts';
import { customPlan, engineHarness, runToEnd, type Harness } from '../../helpers/engine-harness.ts';

/** The order API of the day-in-life workload, as named requests. */
const orderRequests = {
  create: {
    method: 'POST', path: '/orders', body: { number: '{{payload.orderNumber}}', kind: '{{payload.type}}' }, expect: [202],
    capture: { orderId: '$.orderId' }, state: 'created',
  },
  details: { path: '/details?orderId={{orderId}}', state: 'accepted' },
  activate: { method: 'POST', path: '/activate', body: { orderId: '{{orderId}}' }, state: 'activated' },
  cancel: { method: 'POST', path: '/cancel', body: { orderId: '{{orderId}}' }, state: 'cancelled' },
  end: { method: 'POST', path: '/end', body: { orderId: '{{orderId}}' }, state: 'ended' },
};

/** create -> arm cancel -> wait -> poll details -> (activate: wait, activate, arm end). */
const orderLifecycle = [
  { request: 'create' },
  { cleanup: [{ wait: '30s' }, { request: 'cancel' }] },
  { wait: '5s' },
  { poll: { request: 'details', until: { path: '$.status', equals: 'Accepted' }, every: '1s', backoff: 2, maxEvery: '3s', maxAttempts: 10 } },
  { choose: { by: 'payload.type', branches: { activate: [{ wait: '2s' }, { request: 'activate' }, { cleanup: [{ wait: '60s' }, { request: 'end' }] }], accepted: [] } } },
];

function orderPlan(parts: Record<string, unknown> = {}): ReturnType<typeof customPlan> {
  return customPlan({
    requests: orderRequests,
    lifecycle: orderLifecycle,
    payloads: { count: 1, key: 'orderNumber', fields: { orderNumber: 'ORD-{{seq:03}}', type: 'activate' } },
    entity: { name: 'order', terminal: ['cancelled', 'ended'] },
    ...parts,
  });
}

/** The target answers create with `o-<seq>` (from the order number) and everything else with `{}`. */
function scriptOrders(h: Harness, details: Array<{ status: string }> = [{ status: 'Accepted' }]): void {
  const orderIdOf = (req: HttpRequest): string => `o-${Number(String((JSON.parse(req.body ?? '{}') as { number?: string }).number).slice(4))}`;
  h.http
    .on('POST', '/orders', (req) => ({ status: 202, body: { orderId: orderIdOf(req) } }))
    .on('GET', '/details', ...details.map((body) => ({ status: 200, body })))
    .on('POST', '/activate', { status: 200 })
    .on('POST', '/cancel', { status: 200 })
    .on('POST', '/end', { status: 200 });
}

const run = (h: Harness, index = 0) => runToEnd(h.clock, runLifecycle(startCursor(h.plan.seed, index), h.env));

const batchOf = (indices: number[], unitId = 'b0001'): BatchUnit => ({ kind: 'batch', runId: 'run-1', unitId, indices });

describe('Function: runLifecycle', () => {
  describe('request, wait, poll and choose', () => {
    it('runs the activate lifecycle at exact fake times: poll backoff capped by maxEvery, cleanup replaced by end', async () => {
      // Prepare
      const h = engineHarness(orderPlan());
      scriptOrders(h, [{ status: 'Pending' }, { status: 'Pending' }, { status: 'Pending' }, { status: 'Accepted' }]);

      // Act
      const status = await run(h);

      // Assess: polls at 5s, +1s, +2s, +3s (4s capped at maxEvery); activate 2s later; end 60s after that
      expect(status).toMatchObject({ done: true, failure: undefined });
      expect(h.http.timeline()).toEqual([
        'POST /orders @0',
        'GET /details?orderId=o-1 @5000',
        'GET /details?orderId=o-1 @6000',
        'GET /details?orderId=o-1 @8000',
        'GET /details?orderId=o-1 @11000',
        'POST /activate @13000',
        'POST /end @73000',
      ]);
      expect(h.http.bodiesOf('POST', '/orders')).toEqual([{ number: 'ORD-001', kind: 'activate' }]);
      expect(h.http.bodiesOf('POST', '/activate')).toEqual([{ orderId: 'o-1' }]);
      expect(h.http.bodiesOf('POST', '/end')).toEqual([{ orderId: 'o-1' }]);
      const result = h.recorder.result(h.clock.now());
      expect(result.lifecycles).toEqual({ completed: 1, failed: 0, dropped: 0, reasons: {} });
      expect(result.transitions).toEqual({ 'start->created': 1, 'created->accepted': 1, 'accepted->activated': 1, 'activated->ended': 1 });
      expect(result.nonTerminalCount).toBe(0);
      expect(h.events.ofType('completed')).toEqual([{ at: 73_000, unitId: 'b0001', index: 0, key: 'ORD-001', type: 'completed', to: 'ended', reason: undefined }]);
    });

    it('takes the accepted branch by payload field and runs the armed cancel', async () => {
      // Prepare
      const h = engineHarness(orderPlan({ payloads: { count: 1, key: 'orderNumber', fields: { orderNumber: 'ORD-{{seq:03}}', type: 'accepted' } } }));
      scriptOrders(h);

      // Act
      await run(h);

      // Assess
      expect(h.http.timeline()).toEqual(['POST /orders @0', 'GET /details?orderId=o-1 @5000', 'POST /cancel @35000']);
      expect(h.recorder.result(0).transitions).toEqual({ 'start->created': 1, 'created->accepted': 1, 'accepted->cancelled': 1 });
    });

    it('takes `otherwise` for an unlisted value, and can choose by a captured var', async () => {
      // Prepare
      const plan = customPlan({
        requests: { create: { method: 'POST', path: '/c', capture: { tier: '$.tier' } }, gold: { path: '/gold' }, rest: { path: '/rest' } },
        lifecycle: [{ request: 'create' }, { choose: { by: 'vars.tier', branches: { gold: [{ request: 'gold' }] }, otherwise: [{ request: 'rest' }] } }],
        payloads: { count: 2 },
      });
      const h = engineHarness(plan);
      h.http.on('POST', '/c', { status: 200, body: { tier: 'gold' } }, { status: 200, body: { tier: 'silver' } });

      // Act
      await run(h, 0);
      await run(h, 1);

      // Assess
      expect(h.http.calls.map((c) => c.path)).toEqual(['/c', '/gold', '/c', '/rest']);
    });

    it('draws weighted branches from the seed: same seed, same choices; another seed, other choices', async () => {
      // Prepare
      const plan = (seed: number) =>
        customPlan({
          seed,
          requests: { a: { path: '/a' }, b: { path: '/b' } },
          lifecycle: [{ choose: { weights: { a: 1, b: 1 }, branches: { a: [{ request: 'a' }], b: [{ request: 'b' }] } } }],
          payloads: { count: 40 },
        });
      const choices = async (seed: number): Promise<string[]> => {
        const h = engineHarness(plan(seed));
        h.http.on('GET', '/a', { status: 200 }).on('GET', '/b', { status: 200 });
        await runToEnd(h.clock, runBatch(batchOf(Array.from({ length: 40 }, (_, i) => i)), h.env, { itemIntervalMs: 0, itemJitter: 0 }));
        return h.http.calls.map((c) => c.path);
      };

      // Act
      const first = await choices(11);
      const again = await choices(11);
      const other = await choices(12);

      // Assess
      expect(first).toHaveLength(40);
      expect(again).toEqual(first);
      expect(other).not.toEqual(first);
      expect(first.filter((p) => p === '/a').length).toBeGreaterThan(10);
      expect(first.filter((p) => p === '/b').length).toBeGreaterThan(10);
    });

    it('never takes a zero-weight branch', async () => {
      // Prepare
      const h = engineHarness(customPlan({
        requests: { a: { path: '/a' }, b: { path: '/b' } },
        lifecycle: [{ choose: { weights: { a: 0, b: 1 }, branches: { a: [{ request: 'a' }], b: [{ request: 'b' }] } } }],
        payloads: { count: 30 },
      }));
      h.http.on('GET', '/b', { status: 200 });

      // Act
      await runToEnd(h.clock, runBatch(batchOf(Array.from({ length: 30 }, (_, i) => i)), h.env, { itemIntervalMs: 0, itemJitter: 0 }));

      // Assess
      expect(new Set(h.http.calls.map((c) => c.path))).toEqual(new Set(['/b']));
    });

    it.each([
      { chance: 0, want: ['/no', '/no', '/no', '/no', '/no'] },
      { chance: 1, want: ['/yes', '/yes', '/yes', '/yes', '/yes'] },
    ])('takes `then` with probability $chance', async ({ chance, want }) => {
      // Prepare
      const h = engineHarness(customPlan({
        requests: { yes: { path: '/yes' }, no: { path: '/no' } },
        lifecycle: [{ choose: { chance, then: [{ request: 'yes' }], else: [{ request: 'no' }] } }],
        payloads: { count: 5 },
      }));

      // Act
      await runToEnd(h.clock, runBatch(batchOf([0, 1, 2, 3, 4]), h.env, { itemIntervalMs: 0, itemJitter: 0 }));

      // Assess
      expect(h.http.calls.map((c) => c.path)).toEqual(want);
    });

    it('draws a chance from the seed, replayably, and skips a missing else', async () => {
      // Prepare
      const draw = async (): Promise<number[]> => {
        const h = engineHarness(customPlan({
          requests: { yes: { path: '/yes' } },
          lifecycle: [{ choose: { chance: 0.3, then: [{ request: 'yes' }] } }],
          payloads: { count: 200 },
        }));
        h.http.on('GET', '/yes', { status: 200 });
        await runToEnd(h.clock, runBatch(batchOf(Array.from({ length: 200 }, (_, i) => i)), h.env, { itemIntervalMs: 0, itemJitter: 0 }));
        expect(h.recorder.result(0).lifecycles.completed).toBe(200);
        return h.events.ofType('request').map((e) => e.index);
      };

      // Act
      const first = await draw();
      const again = await draw();

      // Assess
      expect(again).toEqual(first);
      expect(first.length).toBeGreaterThan(40);
      expect(first.length).toBeLessThan(80);
    });

    it('samples uniform and jittered waits from the lifecycle rng, replayably and in range', async () => {
      // Prepare
      const times = async (): Promise<number[]> => {
        const h = engineHarness(customPlan({
          requests: { ping: { path: '/ping' } },
          lifecycle: [{ wait: { uniform: { min: '1s', max: '2s' } } }, { request: 'ping' }, { wait: { duration: '10s', jitter: 0.1 } }, { request: 'ping' }],
        }));
        h.http.on('GET', '/ping', { status: 200 });
        await run(h);
        return h.http.calls.map((c) => c.at);
      };

      // Act
      const [first, second] = await times();
      const again = await times();

      // Assess
      expect(again).toEqual([first, second]);
      expect(first).toBeGreaterThanOrEqual(1000);
      expect(first).toBeLessThan(2000);
      expect(second! - first!).toBeGreaterThanOrEqual(9000);
      expect(second! - first!).toBeLessThanOrEqual(11_000);
    });
  });

  describe('failures', () => {
    it('fails a poll after maxAttempts, with the reason, and still runs the armed cleanup', async () => {
      // Prepare
      const lifecycle = [
        { request: 'create' },
        { cleanup: [{ wait: '30s' }, { request: 'cancel' }] },
        { wait: '5s' },
        { poll: { request: 'details', until: { path: '$.status', equals: 'Accepted' }, every: '1s', maxAttempts: 3 } },
        { request: 'activate' },
      ];
      const h = engineHarness(orderPlan({ lifecycle }));
      scriptOrders(h, [{ status: 'Pending' }]);

      // Act
      await run(h);

      // Assess
      expect(h.http.timeline()).toEqual([
        'POST /orders @0', 'GET /details?orderId=o-1 @5000', 'GET /details?orderId=o-1 @6000', 'GET /details?orderId=o-1 @7000', 'POST /cancel @37000',
      ]);
      const reason = 'poll details: $.status == "Accepted" not met after 3 attempts';
      const result = h.recorder.result(0);
      expect(result.lifecycles).toEqual({ completed: 0, failed: 1, dropped: 0, reasons: { [reason]: 1 } });
      expect(result.transitions).toEqual({ 'start->created': 1, 'created->cancelled': 1 });
      expect(result.nonTerminalCount).toBe(0);
      expect(h.events.ofType('failed')).toEqual([{ at: 37_000, unitId: 'b0001', index: 0, key: 'ORD-001', type: 'failed', to: 'cancelled', reason }]);
    });

    it('fails a poll whose next attempt would pass its timeout', async () => {
      // Prepare
      const lifecycle = [{ request: 'create' }, { poll: { request: 'details', until: { path: '$.status', equals: 'Accepted' }, every: '1s', timeout: '2500ms' } }];
      const h = engineHarness(orderPlan({ lifecycle, entity: undefined }));
      scriptOrders(h, [{ status: 'Pending' }]);

      // Act
      await run(h);

      // Assess
      expect(h.http.calls.map((c) => c.at)).toEqual([0, 0, 1000, 2000]);
      expect(h.recorder.result(0).lifecycles.reasons).toEqual({ 'poll details: $.status == "Accepted" not met within 2500ms': 1 });
    });

    it('keeps polling through error statuses until the condition holds', async () => {
      // Prepare
      const lifecycle = [{ request: 'create' }, { poll: { request: 'details', until: { path: '$.status', equals: 'Accepted' }, every: '1s' } }];
      const h = engineHarness(orderPlan({ lifecycle }));
      scriptOrders(h);
      h.http.on('GET', '/details', { status: 404 }, { status: 200, body: 'not json' }, { status: 200, body: { status: 'Accepted' } });

      // Act
      await run(h);

      // Assess
      expect(h.http.calls.map((c) => c.at)).toEqual([0, 0, 1000, 2000]);
      expect(h.recorder.result(0).lifecycles.completed).toBe(1);
      expect(h.recorder.result(0).endpoints['details']?.errors).toEqual({ http4xx: 1, 'invalid-response': 1 });
    });

    it('lists a created entity left without an armed cleanup as non-terminal, with the reason', async () => {
      // Prepare
      const h = engineHarness(orderPlan({ lifecycle: [{ request: 'create' }, { request: 'activate' }] }));
      scriptOrders(h);
      h.http.on('POST', '/activate', { status: 404 });

      // Act
      await run(h);

      // Assess
      const result = h.recorder.result(0);
      expect(result.lifecycles).toEqual({ completed: 0, failed: 1, dropped: 0, reasons: { 'activate: http4xx 404': 1 } });
      expect(result.nonTerminal).toEqual([{ index: 0, key: 'ORD-001', state: 'created', reason: 'activate: http4xx 404' }]);
      expect(result.nonTerminalCount).toBe(1);
    });

    it('reports a failed cleanup as the reason and leaves the entity non-terminal', async () => {
      // Prepare
      const h = engineHarness(orderPlan({ lifecycle: [{ request: 'create' }, { cleanup: [{ request: 'cancel' }] }] }));
      scriptOrders(h);
      h.http.on('POST', '/cancel', { status: 500 });

      // Act
      await run(h);

      // Assess
      const result = h.recorder.result(0);
      expect(result.lifecycles.reasons).toEqual({ 'cleanup cancel: http5xx 500': 1 });
      expect(result.nonTerminal).toEqual([{ index: 0, key: 'ORD-001', state: 'created', reason: 'cleanup cancel: http5xx 500' }]);
    });

    it('counts a lifecycle that never created anything as terminal', async () => {
      // Prepare
      const h = engineHarness(orderPlan());
      h.http.on('POST', '/orders', { status: 500 });

      // Act
      await run(h);

      // Assess
      const result = h.recorder.result(0);
      expect(result.lifecycles.failed).toBe(1);
      expect(result.lifecycles.reasons).toEqual({ 'create: http5xx 500': 1 });
      expect(result.nonTerminalCount).toBe(0);
      expect(h.http.calls).toHaveLength(1);
    });
  });

  describe('deferred cleanup', () => {
    it('returns a serialisable cursor whose cleanup wait already runs (wakeAt), and runCursors resumes it to completion', async () => {
      // Prepare
      const h = engineHarness(orderPlan({ payloads: { count: 1, key: 'orderNumber', fields: { orderNumber: 'ORD-{{seq:03}}', type: 'accepted' } } }), { deferCleanup: true });
      scriptOrders(h);

      // Act
      const status = await run(h);

      // Assess: parked after the body, nothing recorded as finished yet
      expect(status.done).toBe(false);
      const cursor = (status as { cursor: Cursor }).cursor;
      expect(cursor).toMatchObject({ index: 0, phase: 'cleanup', vars: { orderId: 'o-1' }, state: 'accepted', wakeAt: 35_000 });
      expect(cursor.armed).toBeUndefined();
      expect(h.compiled.program.instrs[cursor.pc]).toMatchObject({ op: 'request', req: { name: 'cancel' } });
      expect(h.recorder.result(0).lifecycles.completed).toBe(0);
      expect(h.http.timeline()).toEqual(['POST /orders @0', 'GET /details?orderId=o-1 @5000']);

      // Act: resume from a JSON copy, as another worker would
      const restored = CursorSchema.parse(JSON.parse(JSON.stringify(cursor)));
      const left = await runToEnd(h.clock, runCursors([restored], { ...h.env, deferCleanup: false }));

      // Assess
      expect(left).toEqual([]);
      expect(h.http.timeline()).toEqual(['POST /orders @0', 'GET /details?orderId=o-1 @5000', 'POST /cancel @35000']);
      expect(h.http.bodiesOf('POST', '/cancel')).toEqual([{ orderId: 'o-1' }]);
      expect(h.recorder.result(0).lifecycles).toEqual({ completed: 1, failed: 0, dropped: 0, reasons: {} });
    });

    it('honours a parked wakeAt before continuing', async () => {
      // Prepare
      const h = engineHarness(orderPlan({ lifecycle: [{ request: 'create' }, { request: 'activate' }] }));
      scriptOrders(h);
      const cursor: Cursor = { ...startCursor(h.plan.seed, 0), pc: 1, vars: { orderId: 'o-7' }, state: 'created', wakeAt: 4000 };

      // Act
      await runToEnd(h.clock, runLifecycle(cursor, h.env));

      // Assess
      expect(h.http.timeline()).toEqual(['POST /activate @4000']);
      expect(h.http.bodiesOf('POST', '/activate')).toEqual([{ orderId: 'o-7' }]);
    });
  });
});

describe('Function: runBatch', () => {
  it('runs items one after the other with the item interval, parking their cleanups', async () => {
    // Prepare
    const plan = orderPlan({
      lifecycle: [{ request: 'create' }, { cleanup: [{ wait: '30s' }, { request: 'cancel' }] }, { wait: '5s' }],
      payloads: { count: 3, key: 'orderNumber', fields: { orderNumber: 'ORD-{{seq:03}}' } },
    });
    const h = engineHarness(plan, { deferCleanup: true });
    scriptOrders(h);

    // Act
    const { parked, rest } = await runToEnd(h.clock, runBatch(batchOf([0, 1, 2]), h.env, { itemIntervalMs: 2000, itemJitter: 0 }));

    // Assess
    expect(h.http.timeline()).toEqual(['POST /orders @0', 'POST /orders @7000', 'POST /orders @14000']);
    expect(rest).toEqual([]);
    expect(parked.map((c) => [c.index, c.phase, c.vars['orderId'], c.wakeAt])).toEqual([[0, 'cleanup', 'o-1', 35_000], [1, 'cleanup', 'o-2', 42_000], [2, 'cleanup', 'o-3', 49_000]]);
    expect(h.recorder.result(0).batches.count).toBe(1);

    // Act: the continuation
    await runToEnd(h.clock, runCursors(parked, { ...h.env, deferCleanup: false }));

    // Assess: each cleanup wait counts from the end of its own body (5000, 12000, 19000), not from the resume
    expect(h.http.timeline().slice(3)).toEqual(['POST /cancel @35000', 'POST /cancel @42000', 'POST /cancel @49000']);
    expect(h.http.bodiesOf('POST', '/cancel')).toEqual([{ orderId: 'o-1' }, { orderId: 'o-2' }, { orderId: 'o-3' }]);
    expect(h.recorder.result(0).lifecycles).toMatchObject({ completed: 3, failed: 0, dropped: 0 });
  });

  it('jitters the item interval from the seed, within ±jitter', async () => {
    // Prepare
    const starts = async (): Promise<number[]> => {
      const h = engineHarness(customPlan({ requests: { ping: { path: '/ping' } }, lifecycle: [{ request: 'ping' }], payloads: { count: 4 } }));
      await runToEnd(h.clock, runBatch(batchOf([0, 1, 2, 3]), h.env, { itemIntervalMs: 1000, itemJitter: 0.5 }));
      return h.http.calls.map((c) => c.at);
    };

    // Act
    const first = await starts();

    // Assess
    expect(await starts()).toEqual(first);
    expect(first[0]).toBe(0);
    for (let i = 1; i < 4; i++) {
      expect(first[i]! - first[i - 1]!).toBeGreaterThanOrEqual(500);
      expect(first[i]! - first[i - 1]!).toBeLessThanOrEqual(1500);
    }
  });

  it('on a soft stop during a body wait: the cleanup runs at once (wait expedited) and the rest are dropped', async () => {
    // Prepare
    const plan = orderPlan({
      lifecycle: [{ request: 'create' }, { cleanup: [{ wait: '30s' }, { request: 'cancel' }] }, { wait: '5s' }, { request: 'activate' }],
      payloads: { count: 4, key: 'orderNumber', fields: { orderNumber: 'ORD-{{seq:03}}' } },
    });
    const h = engineHarness(plan);
    scriptOrders(h);
    const stop = new AbortController();
    const running = runBatch(batchOf([0, 1, 2, 3]), { ...h.env, stop: stop.signal }, { itemIntervalMs: 1000, itemJitter: 0 });

    // Act
    await h.clock.advance(2000);
    stop.abort(new Error('user pressed Ctrl-C'));
    const left = await runToEnd(h.clock, running);

    // Assess
    expect(left).toEqual({ parked: [], rest: [] });
    expect(h.http.timeline()).toEqual(['POST /orders @0', 'POST /cancel @2000']);
    const result = h.recorder.result(h.clock.now());
    expect(result.lifecycles).toEqual({ completed: 0, failed: 1, dropped: 3, reasons: { stopped: 1, 'stopped: user pressed Ctrl-C': 3 } });
    expect(result.lifecycles.completed + result.lifecycles.failed + result.lifecycles.dropped).toBe(plan.payloads.count);
    expect(result.transitions).toEqual({ 'start->created': 1, 'created->cancelled': 1 });
    expect(result.nonTerminalCount).toBe(0);
    expect(h.events.ofType('dropped').map((e) => [e.index, e.key, e.reason])).toEqual([
      [1, 'ORD-002', 'stopped: user pressed Ctrl-C'], [2, 'ORD-003', 'stopped: user pressed Ctrl-C'], [3, 'ORD-004', 'stopped: user pressed Ctrl-C'],
    ]);
  });

  it('on a soft stop with deferred cleanups: an in-flight create finishes, its cleanup and the parked ones run at once, the rest are dropped', async () => {
    // Prepare
    const plan = orderPlan({
      lifecycle: [{ request: 'create' }, { cleanup: [{ wait: '30s' }, { request: 'cancel' }] }, { wait: '5s' }, { request: 'activate' }],
      payloads: { count: 4, key: 'orderNumber', fields: { orderNumber: 'ORD-{{seq:03}}' } },
    });
    const h = engineHarness(plan, { deferCleanup: true });
    scriptOrders(h);
    h.http.on('POST', '/orders', { status: 202, body: { orderId: 'o-1' } }, { status: 202, body: { orderId: 'o-2' }, delayMs: 1000 });
    const stop = new AbortController();
    const env = { ...h.env, stop: stop.signal };
    const running = runBatch(batchOf([0, 1, 2, 3]), env, { itemIntervalMs: 1000, itemJitter: 0 });

    // Act: item 0 ran its body by t=5000; item 1's create is in flight from 6000 to 7000
    await h.clock.advance(6500);
    stop.abort(new Error('user pressed Ctrl-C'));
    const { parked } = await runToEnd(h.clock, running);
    const left = await runToEnd(h.clock, runCursors(parked, { ...env, deferCleanup: false }));

    // Assess
    expect(parked.map((c) => [c.index, c.phase, c.vars['orderId'], c.failure])).toEqual([[0, 'cleanup', 'o-1', undefined], [1, 'cleanup', 'o-2', 'stopped']]);
    expect(left).toEqual([]);
    expect(h.http.timeline()).toEqual(['POST /orders @0', 'POST /activate @5000', 'POST /orders @6000', 'POST /cancel @7000', 'POST /cancel @7000']);
    expect(h.http.bodiesOf('POST', '/cancel')).toEqual([{ orderId: 'o-1' }, { orderId: 'o-2' }]);
    const result = h.recorder.result(h.clock.now());
    expect(result.lifecycles).toEqual({ completed: 1, failed: 1, dropped: 2, reasons: { stopped: 1, 'stopped: user pressed Ctrl-C': 2 } });
    expect(result.lifecycles.completed + result.lifecycles.failed + result.lifecycles.dropped).toBe(plan.payloads.count);
    expect(result.nonTerminalCount).toBe(0);
    expect(h.recorder.result(0).endpoints['create']).toMatchObject({ attempts: 2, ok: 2 });
  });

  it('counts finished and dropped lifecycles in the live progress, with a plain-text stop reason', async () => {
    // Prepare
    const h = engineHarness(customPlan({ requests: { ping: { path: '/ping' } }, lifecycle: [{ wait: 0 }, { request: 'ping' }], payloads: { count: 3 } }));
    h.http.on('GET', '/ping', { status: 200 });
    const stop = new AbortController();
    const progress = { lifecycles: 0, started: 0 };
    const running = runBatch(batchOf([0, 1, 2]), { ...h.env, stop: stop.signal, progress }, { itemIntervalMs: 1000, itemJitter: 0 });

    // Act
    await h.clock.advance(1500);
    stop.abort('operator asked');
    await runToEnd(h.clock, running);

    // Assess
    expect(h.http.timeline()).toEqual(['GET /ping @0', 'GET /ping @1000']);
    expect(progress).toEqual({ lifecycles: 3, started: 3 });
    expect(h.recorder.result(0).lifecycles).toEqual({ completed: 2, failed: 0, dropped: 1, reasons: { 'stopped: operator asked': 1 } });
  });

  it('on a hard kill: an in-flight cleanup request is aborted and the entity is listed as non-terminal', async () => {
    // Prepare
    const h = engineHarness(orderPlan({ lifecycle: [{ request: 'create' }, { cleanup: [{ request: 'cancel' }] }] }));
    scriptOrders(h);
    h.http.on('POST', '/cancel', { status: 200, delayMs: 1000 });
    const running = runBatch(batchOf([0]), h.env, { itemIntervalMs: 0, itemJitter: 0 });

    // Act
    await h.clock.advance(500);
    h.kill.abort(new Error('killed'));
    await runToEnd(h.clock, running);

    // Assess
    const result = h.recorder.result(0);
    expect(result.lifecycles.reasons).toEqual({ 'cleanup cancel: aborted': 1 });
    expect(result.nonTerminal).toEqual([{ index: 0, key: 'ORD-001', state: 'created', reason: 'cleanup cancel: aborted' }]);
  });

  it('stops at the request budget: later requests are refused, cleanups still run, the rest are dropped with the reason', async () => {
    // Prepare
    const plan = orderPlan({
      lifecycle: [{ request: 'create' }, { cleanup: [{ request: 'cancel' }] }, { request: 'activate' }],
      payloads: { count: 3, key: 'orderNumber', fields: { orderNumber: 'ORD-{{seq:03}}' } },
    });
    const h = engineHarness(plan, { maxRequests: 4 });
    scriptOrders(h);

    // Act
    await runToEnd(h.clock, runBatch(batchOf([0, 1, 2]), h.env, { itemIntervalMs: 0, itemJitter: 0 }));

    // Assess: create, activate, cancel (forced) for item 0; create, then activate refused, cancel (forced) for item 1
    expect(h.http.calls.map((c) => `${c.path} ${c.body}`)).toEqual([
      '/orders {"number":"ORD-001","kind":null}', '/activate {"orderId":"o-1"}', '/cancel {"orderId":"o-1"}',
      '/orders {"number":"ORD-002","kind":null}', '/cancel {"orderId":"o-2"}',
    ]);
    const reason = 'request budget of 4 exhausted (limits.maxRequests)';
    expect(h.guard.reason).toBe(reason);
    const result = h.recorder.result(0);
    expect(result.lifecycles).toEqual({ completed: 1, failed: 1, dropped: 1, reasons: { stopped: 1, [`stopped: ${reason}`]: 1 } });
    expect(result.nonTerminalCount).toBe(0);
  });
});
