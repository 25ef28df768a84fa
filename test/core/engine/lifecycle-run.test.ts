import { describe, expect, it } from 'vitest';
import type { Cursor } from '../../../lib/core/engine/cursor.ts';
import { runLifecycle, startCursor, startLifecycle } from '../../../lib/core/engine/interpreter.ts';
import type { LifecycleStatus } from '../../../lib/core/engine/lifecycle-env.ts';
import type { LifecycleJournal } from '../../../lib/core/engine/journal.ts';
import type { Clock } from '../../../lib/core/ports.ts';
import { customPlan, engineHarness, FailingEvents, runToEnd } from '../../helpers/engine-harness.ts';
import { FakeClock, TickingClock } from '../../helpers/fake-clock.ts';

/** create (captures id, state created) -> wait 0 -> poll details until Accepted -> end. */
function orderHarness(clock?: Clock) {
  const plan = customPlan({
    requests: {
      create: { method: 'POST', path: '/orders', body: { n: '{{seq}}', at: '{{now.ms}}', again: '{{now.ms}}' }, capture: { id: '$.id' }, state: 'created' },
      details: { path: '/details?id={{id}}&at={{now.ms}}', state: 'accepted' },
    },
    lifecycle: [{ request: 'create' }, { wait: '0ms' }, { poll: { request: 'details', until: { path: '$.status', equals: 'Accepted' }, every: '1s', maxAttempts: 5 } }],
    payloads: { count: 5 },
    entity: { name: 'order', terminal: ['accepted'] },
  });
  const h = engineHarness(plan);
  h.http
    .on('POST', '/orders', { status: 200, body: { id: 'o-1' } })
    .on('GET', '/details', { status: 200, body: { status: 'Pending' } }, { status: 200, body: { status: 'Accepted' } });
  return { h, env: clock ? { ...h.env, clock } : h.env };
}



describe('Function: startLifecycle', () => {
  it('runs a lifecycle exactly as runLifecycle does, handing its status to onEnd once', async () => {
    // Prepare
    const a = orderHarness();
    const b = orderHarness();
    const ends: LifecycleStatus[] = [];
    const errors: unknown[] = [];

    // Act
    const viaPromise = await runToEnd(a.h.clock, runLifecycle(startCursor(7, 2), a.env));
    startLifecycle(startCursor(7, 2), b.env, (status) => ends.push(status), (error) => errors.push(error));
    await b.h.clock.runAll();

    // Assess
    expect(ends).toEqual([viaPromise]);
    expect(errors).toEqual([]);
    expect(b.h.http.timeline()).toEqual(a.h.http.timeline());
    expect(b.h.events.events).toEqual(a.h.events.events);
    expect(b.h.recorder.result(0)).toEqual(a.h.recorder.result(0));
    expect(b.h.http.timeline()).toEqual(['POST /orders @0', 'GET /details?id=o-1&at=0 @0', 'GET /details?id=o-1&at=1000 @1000']);
  });

  it('ends inside the call when nothing has to be waited for (a stopped run sends nothing)', () => {
    // Prepare
    const { h, env } = orderHarness();
    h.guard.stop('stopping');
    let ended: LifecycleStatus | undefined;

    // Act
    startLifecycle(startCursor(7, 0), env, (status) => (ended = status), () => undefined);

    // Assess
    expect(ended).toEqual({ done: true, vars: {}, failure: 'stopped' });
    expect(h.http.calls).toEqual([]);
  });

  it('reports a fault (an event that cannot be written) to onError only, and runLifecycle rejects with it', async () => {
    // Prepare: the 1st lifecycle event is the create's transition
    const a = orderHarness();
    const b = orderHarness();
    const failing = (n: number) => new FailingEvents(n);
    const eventsA = failing(1);
    const eventsB = failing(1);
    const ends: LifecycleStatus[] = [];
    const errors: unknown[] = [];

    // Act
    const rejected = await runToEnd(a.h.clock, runLifecycle(startCursor(7, 0), { ...a.env, events: eventsA }).then(() => 'resolved', (error: unknown) => error));
    startLifecycle(startCursor(7, 0), { ...b.env, events: eventsB }, (status) => ends.push(status), (error) => errors.push(error));
    await b.h.clock.runAll();

    // Assess
    expect(rejected).toBe(eventsA.error);
    expect(errors).toEqual([eventsB.error]);
    expect(ends).toEqual([]);
  });
});

describe('Function: runLifecycle (one clock read for {{now}} per request)', () => {
  it('renders every {{now}} of a request from one instant, and reads it again for the next request', async () => {
    // Prepare: every clock read moves time on by 1 ms
    const fake = new FakeClock(1000);
    const { h, env } = orderHarness(new TickingClock(fake));

    // Act
    await runToEnd(fake, runLifecycle(startCursor(7, 0), env));

    // Assess: both {{now.ms}} of the create body are the same instant; the poll's is later
    const [create] = h.http.bodiesOf('POST', '/orders') as Array<{ n: number; at: number; again: number }>;
    expect(create!.n).toBe(1);
    expect(create!.again).toBe(create!.at);
    const pollAt = Number(new URL(h.http.calls[1]!.url).searchParams.get('at'));
    expect(pollAt).toBeGreaterThan(create!.at);
  });

  it('leaves the caller\'s cursor as it was', async () => {
    // Prepare
    const { h, env } = orderHarness();
    const cursor = startCursor(7, 0, 0);
    const before = structuredClone(cursor);

    // Act
    await runToEnd(h.clock, runLifecycle(cursor, env));

    // Assess
    expect(cursor).toEqual(before);
  });
});

/** A journal that accepts everything and keeps whether each write's cursor still had an intended start. */
class StartWatchingJournal implements LifecycleJournal {
  readonly writes: string[] = [];
  started(cursor: Cursor): Promise<boolean> {
    return this.write('started', cursor);
  }
  transitioned(cursor: Cursor): Promise<boolean> {
    return this.write('transitioned', cursor);
  }
  parked(cursor: Cursor): Promise<boolean> {
    return this.write('parked', cursor);
  }
  finished(cursor: Cursor): Promise<boolean> {
    return this.write('finished', cursor);
  }
  private async write(kind: string, cursor: Cursor): Promise<boolean> {
    this.writes.push(`${kind} ${'startAt' in cursor ? `startAt=${cursor.startAt}` : 'no startAt'}`);
    return true;
  }
}

describe('Function: runLifecycle (the intended start)', () => {
  /** wait 1s -> ping (state pinged) -> wait 1s -> ping; answers take 50 ms. */
  function pingHarness() {
    const plan = customPlan({
      requests: { ping: { path: '/ping', state: 'pinged' } },
      lifecycle: [{ wait: '1s' }, { request: 'ping' }, { wait: '1s' }, { request: 'ping' }],
      payloads: { count: 1 },
      entity: { name: 'thing', terminal: ['pinged'] },
    });
    const h = engineHarness(plan);
    h.http.on('GET', '/ping', { status: 200, delayMs: 50 });
    return h;
  }

  it('keeps the intended start on a cursor parked before its first send, and times that send from it once resumed', async () => {
    // Prepare: intended start at 0; park during the first wait
    const h = pingHarness();
    const park = new AbortController();
    const running = runLifecycle(startCursor(7, 0, 0), { ...h.env, park: park.signal });

    // Act
    await h.clock.advance(500);
    park.abort();
    const parked = await runToEnd(h.clock, running);
    const cursor = (parked as Extract<LifecycleStatus, { done: false }>).cursor;
    await runToEnd(h.clock, runLifecycle(cursor, h.env));

    // Assess: the first ping goes at 1000 and counts from 0; the second counts from its own send
    expect(cursor).toMatchObject({ startAt: 0, wakeAt: 1000, pc: 1 });
    expect(h.events.ofType('request').map((e) => [e.at, e.latencyMs])).toEqual([[1050, 1050], [2100, 50]]);
  });

  it('shows no intended start once the first send consumed it: not on a parked cursor, not to the journal', async () => {
    // Prepare: park during the second wait
    const h = pingHarness();
    const park = new AbortController();
    const journal = new StartWatchingJournal();
    const running = runLifecycle(startCursor(7, 0, 0), { ...h.env, park: park.signal, journal });

    // Act
    await h.clock.advance(1500);
    park.abort();
    const parked = await runToEnd(h.clock, running);

    // Assess
    const cursor = (parked as Extract<LifecycleStatus, { done: false }>).cursor;
    expect('startAt' in cursor).toBe(false);
    expect(journal.writes).toEqual(['started startAt=0', 'transitioned no startAt', 'parked no startAt']);
  });
});
