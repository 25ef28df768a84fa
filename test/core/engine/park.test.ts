import { describe, expect, it } from 'vitest';
import { CursorSchema, type Cursor } from '../../../lib/core/engine/cursor.ts';
import { runLifecycle, startCursor } from '../../../lib/core/engine/interpreter.ts';
import type { LifecycleEnv, LifecycleStatus } from '../../../lib/core/engine/lifecycle-env.ts';
import type { HttpRequest } from '../../../lib/core/ports.ts';
import { customPlan, engineHarness, runToEnd, type Harness } from '../../helpers/engine-harness.ts';

const orderRequests = {
  create: { method: 'POST', path: '/orders', body: { number: '{{payload.orderNumber}}' }, expect: [202], capture: { orderId: '$.orderId' }, state: 'created' },
  details: { path: '/details?orderId={{orderId}}', state: 'accepted' },
  activate: { method: 'POST', path: '/activate', body: { orderId: '{{orderId}}' }, state: 'activated' },
  cancel: { method: 'POST', path: '/cancel', body: { orderId: '{{orderId}}' }, state: 'cancelled' },
  end: { method: 'POST', path: '/end', body: { orderId: '{{orderId}}' }, state: 'ended' },
};

/** create -> arm cancel (30s) -> wait 5s -> poll details (backoff, jittered) -> wait 2s -> activate -> arm end (60s). */
const lifecycle = [
  { request: 'create' },
  { cleanup: [{ wait: '30s' }, { request: 'cancel' }] },
  { wait: '5s' },
  { poll: { request: 'details', until: { path: '$.status', equals: 'Accepted' }, every: '1s', backoff: 2, maxEvery: '3s', maxAttempts: 10, jitter: 0.2 } },
  { wait: { duration: '2s', jitter: 0.5 } },
  { request: 'activate' },
  { cleanup: [{ wait: '60s' }, { request: 'end' }] },
];

function orderPlan(parts: Record<string, unknown> = {}): ReturnType<typeof customPlan> {
  return customPlan({
    requests: orderRequests, lifecycle,
    payloads: { count: 1, key: 'orderNumber', fields: { orderNumber: 'ORD-{{seq:03}}' } },
    entity: { name: 'order', terminal: ['cancelled', 'ended'] },
    ...parts,
  });
}

/** Three Pending answers, then Accepted: polls at 5s and three jittered delays after it. */
function script(h: Harness): void {
  h.http
    .on('POST', '/orders', (req: HttpRequest) => ({ status: 202, body: { orderId: `o-${(JSON.parse(req.body ?? '{}') as { number: string }).number}` } }))
    .on('GET', '/details', { status: 200, body: { status: 'Pending' } }, { status: 200, body: { status: 'Pending' } }, { status: 200, body: { status: 'Pending' } }, { status: 200, body: { status: 'Accepted' } })
    .on('POST', '/activate', { status: 200 })
    .on('POST', '/cancel', { status: 200 })
    .on('POST', '/end', { status: 200 });
}

/** The request schedule, recorded figures and final status of a run never parked. */
async function unparked(plan = orderPlan(), cursor?: Cursor): Promise<{ timeline: string[]; status: LifecycleStatus; h: Harness }> {
  const h = engineHarness(plan);
  script(h);
  const status = await runToEnd(h.clock, runLifecycle(cursor ?? startCursor(plan.seed, 0), h.env));
  return { timeline: h.http.timeline(), status, h };
}

/**
 * Runs from `cursor` with a park firing at `parkAt` (or before the start, when 0), then resumes the
 * parked cursor from a JSON copy, as another worker would, in an env without park.
 */
async function parkedThenResumed(parkAt: number, plan = orderPlan(), env: Partial<LifecycleEnv> = {}, cursor?: Cursor) {
  const h = engineHarness(plan);
  script(h);
  const park = new AbortController();
  if (parkAt === 0) park.abort();
  const running = runLifecycle(cursor ?? startCursor(plan.seed, 0), { ...h.env, ...env, park: park.signal });
  if (parkAt > 0) {
    await h.clock.advance(parkAt);
    park.abort();
  }
  const first = await runToEnd(h.clock, running);
  const parkedAt = h.clock.now();
  const before = h.http.timeline();
  if (first.done) throw new Error('expected a parked lifecycle');
  const restored = CursorSchema.parse(JSON.parse(JSON.stringify(first.cursor)));
  const status = await runToEnd(h.clock, runLifecycle(restored, { ...h.env, ...env }));
  return { h, cursor: first.cursor, parkedAt, before, timeline: h.http.timeline(), status };
}

describe('Function: runLifecycle with a park signal', () => {
  it('parks during a body wait with pc past the wait and wakeAt at its end; resumed, it keeps the unparked schedule', async () => {
    // Prepare
    const reference = await unparked();

    // Act
    const run = await parkedThenResumed(2000);

    // Assess
    expect(run.parkedAt).toBe(2000);
    expect(run.before).toEqual(['POST /orders @0']);
    expect(run.cursor).toMatchObject({ index: 0, phase: 'body', pc: 3, state: 'created', wakeAt: 5000, vars: { orderId: 'o-ORD-001' } });
    expect(run.h.compiled.program.instrs[run.cursor.pc]).toMatchObject({ op: 'poll' });
    expect(run.timeline).toEqual(reference.timeline);
    expect(run.status).toEqual(reference.status);
    expect(run.h.recorder.result(0).lifecycles).toEqual({ completed: 1, failed: 0, dropped: 0, reasons: {} });
    expect(run.h.recorder.result(0).transitions).toEqual(reference.h.recorder.result(0).transitions);
  });

  it('parks during a poll delay on the poll, keeping attempt, start and jittered wake instant; resumed, same requests and times', async () => {
    // Prepare: the reference polls at 5000 then after three jittered delays
    const reference = await unparked();
    const polls = reference.h.http.calls.filter((c) => c.path.startsWith('/details')).map((c) => c.at);
    expect(polls).toHaveLength(4);
    expect(polls[0]).toBe(5000);

    // Act: park between the second and third attempts
    const parkAt = Math.floor((polls[1]! + polls[2]!) / 2);
    const run = await parkedThenResumed(parkAt);

    // Assess
    expect(run.before).toEqual(reference.timeline.slice(0, 3));
    expect(run.cursor).toMatchObject({ phase: 'body', pc: 3, pollAttempt: 2, pollStartedAt: 5000, wakeAt: polls[2] });
    expect(run.timeline).toEqual(reference.timeline);
    expect(run.status).toEqual(reference.status);
    expect(reference.h.recorder.result(0).lifecycles).toEqual(run.h.recorder.result(0).lifecycles);
  });

  it('keeps the poll timeout counted from the first attempt across a park', async () => {
    // Prepare
    const plan = orderPlan({ lifecycle: [{ request: 'create' }, { poll: { request: 'details', until: { path: '$.status', equals: 'Accepted' }, every: '1s', timeout: '2500ms' } }] });
    const reference = await unparked(plan);

    // Act
    const run = await parkedThenResumed(1500, plan);

    // Assess
    expect(reference.timeline).toEqual(['POST /orders @0', 'GET /details?orderId=o-ORD-001 @0', 'GET /details?orderId=o-ORD-001 @1000', 'GET /details?orderId=o-ORD-001 @2000']);
    expect(run.cursor).toMatchObject({ pollAttempt: 2, pollStartedAt: 0, wakeAt: 2000 });
    expect(run.timeline).toEqual(reference.timeline);
    expect(run.status).toEqual({ done: true, vars: { orderId: 'o-ORD-001' }, failure: 'poll details: $.status == "Accepted" not met within 2500ms' });
  });

  it('parks during a cleanup wait with wakeAt at its end; resumed, the cleanup request goes out on time', async () => {
    // Prepare: the end cleanup waits 60s after activate
    const reference = await unparked();
    const activateAt = reference.h.http.calls.find((c) => c.path === '/activate')!.at;

    // Act
    const run = await parkedThenResumed(activateAt + 20_000);

    // Assess
    expect(run.cursor).toMatchObject({ phase: 'cleanup', state: 'activated', wakeAt: activateAt + 60_000 });
    expect(run.h.compiled.program.instrs[run.cursor.pc]).toMatchObject({ op: 'request', req: { name: 'end' } });
    expect(run.timeline).toEqual(reference.timeline);
    expect(run.timeline.at(-1)).toBe(`POST /end @${activateAt + 60_000}`);
    expect(run.status).toEqual(reference.status);
  });

  it('parks a resumed cursor sleeping on wakeAt with wakeAt unchanged, and a second resume keeps the schedule', async () => {
    // Prepare: a cursor parked in its end cleanup wait (as a deferred cleanup would be), resumed with a park
    const reference = await unparked();
    const activateAt = reference.h.http.calls.find((c) => c.path === '/activate')!.at;
    const { cursor } = await parkedThenResumed(activateAt + 1000);
    const h = engineHarness(orderPlan());
    script(h);
    const park = new AbortController();
    const running = runLifecycle(cursor, { ...h.env, park: park.signal });

    // Act: the park fires while it sleeps towards wakeAt
    await h.clock.advance(10_000);
    park.abort();
    const status = await runToEnd(h.clock, running);
    const parkedAt = h.clock.now();
    const again = await runToEnd(h.clock, runLifecycle((status as { cursor: Cursor }).cursor, h.env));

    // Assess
    expect(parkedAt).toBe(10_000);
    expect(status).toEqual({ done: false, cursor });
    expect(cursor).toMatchObject({ phase: 'cleanup', wakeAt: activateAt + 60_000 });
    expect(h.http.timeline()).toEqual([`POST /end @${activateAt + 60_000}`]);
    expect(again).toEqual(reference.status);
  });

  it('with the park already fired: requests still go out, and the first sleep parks at once', async () => {
    // Prepare
    const reference = await unparked();

    // Act
    const run = await parkedThenResumed(0);

    // Assess
    expect(run.parkedAt).toBe(0);
    expect(run.before).toEqual(['POST /orders @0']);
    expect(run.cursor).toMatchObject({ pc: 3, wakeAt: 5000 });
    expect(run.timeline).toEqual(reference.timeline);
  });

  it('never cuts a request in flight: it completes, then the lifecycle parks at its next sleep', async () => {
    // Prepare
    const h = engineHarness(orderPlan());
    script(h);
    h.http.on('POST', '/orders', { status: 202, body: { orderId: 'o-1' }, delayMs: 1000 });
    const park = new AbortController();
    const running = runLifecycle(startCursor(7, 0), { ...h.env, park: park.signal });

    // Act
    await h.clock.advance(500);
    park.abort();
    const status = await runToEnd(h.clock, running);

    // Assess
    expect(h.clock.now()).toBe(1000);
    expect(status).toMatchObject({ done: false, cursor: { pc: 3, state: 'created', wakeAt: 6000, vars: { orderId: 'o-1' } } });
    expect(h.recorder.result(0).endpoints['create']).toMatchObject({ attempts: 1, ok: 1 });
  });

  it('leaves a stop its meaning when both fired: the body fails as stopped and the cleanup runs at once', async () => {
    // Prepare
    const h = engineHarness(orderPlan());
    script(h);
    const park = new AbortController();
    const running = runLifecycle(startCursor(7, 0), { ...h.env, park: park.signal });

    // Act
    await h.clock.advance(2000);
    h.guard.stop('user pressed Ctrl-C');
    park.abort();
    const status = await runToEnd(h.clock, running);

    // Assess
    expect(status).toEqual({ done: true, vars: { orderId: 'o-ORD-001' }, failure: 'stopped' });
    expect(h.http.timeline()).toEqual(['POST /orders @0', 'POST /cancel @2000']);
  });

  it('fails a parked body wait resumed after a stop, as the wait itself would have, and runs the cleanup', async () => {
    // Prepare
    const parked = await parkedThenResumed(0);
    const h = engineHarness(orderPlan());
    script(h);
    h.guard.stop('user pressed Ctrl-C');

    // Act
    const status = await runToEnd(h.clock, runLifecycle(parked.cursor, h.env));

    // Assess
    expect(status).toEqual({ done: true, vars: { orderId: 'o-ORD-001' }, failure: 'stopped' });
    expect(h.http.timeline()).toEqual(['POST /cancel @0']);
    expect(h.recorder.result(0).lifecycles).toEqual({ completed: 0, failed: 1, dropped: 0, reasons: { stopped: 1 } });
  });

  it('never parks a zero wait', async () => {
    // Prepare
    const h = engineHarness(customPlan({ requests: { ping: { path: '/ping' } }, lifecycle: [{ wait: 0 }, { request: 'ping' }] }));
    h.http.on('GET', '/ping', { status: 200 });
    const park = new AbortController();
    park.abort();

    // Act
    const status = await runToEnd(h.clock, runLifecycle(startCursor(7, 0), { ...h.env, park: park.signal }));

    // Assess
    expect(status).toEqual({ done: true, vars: {}, failure: undefined });
    expect(h.http.timeline()).toEqual(['GET /ping @0']);
  });
});
