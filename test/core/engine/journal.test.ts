import { describe, expect, it } from 'vitest';
import type { Cursor } from '../../../lib/core/engine/cursor.ts';
import { runLifecycle, startCursor } from '../../../lib/core/engine/interpreter.ts';
import type { LifecycleJournal } from '../../../lib/core/engine/journal.ts';
import type { LifecycleRecord } from '../../../lib/core/recorder/types.ts';
import { customPlan, engineHarness, runToEnd, type Harness } from '../../helpers/engine-harness.ts';

type Kind = 'started' | 'transitioned' | 'parked' | 'finished';

/** A journal that keeps every write (with the cursor as it was then) and can refuse the n-th write of a kind. */
class FakeJournal implements LifecycleJournal {
  readonly writes: Array<{ kind: Kind; index: number; seq: number; pc: number; phase: string; state: string | undefined; record?: LifecycleRecord }> = [];
  constructor(private readonly refuse?: { kind: Kind; nth: number }) {}

  started(cursor: Cursor): Promise<boolean> {
    return this.write('started', cursor);
  }
  transitioned(cursor: Cursor): Promise<boolean> {
    return this.write('transitioned', cursor);
  }
  parked(cursor: Cursor): Promise<boolean> {
    return this.write('parked', cursor);
  }
  finished(cursor: Cursor, _key: string, record: LifecycleRecord): Promise<boolean> {
    return this.write('finished', cursor, record);
  }

  /** The writes as `kind seq state`, compact enough to assert a whole sequence. */
  log(): string[] {
    return this.writes.map((w) => `${w.kind} ${w.seq} ${w.state ?? '-'}`);
  }

  private async write(kind: Kind, cursor: Cursor, record?: LifecycleRecord): Promise<boolean> {
    const nth = this.writes.filter((w) => w.kind === kind).length + 1;
    if (this.refuse?.kind === kind && this.refuse.nth === nth) return false;
    // The real journal's conditional write: one more than the stored seq, kept in the cursor.
    cursor.seq = (cursor.seq ?? 0) + 1;
    this.writes.push({ kind, index: cursor.index, seq: cursor.seq, pc: cursor.pc, phase: cursor.phase, state: cursor.state, ...(record ? { record } : {}) });
    return true;
  }
}

/** create -> arm cancel -> wait 5s -> accept -> activate. */
const plan = customPlan({
  requests: {
    create: { method: 'POST', path: '/orders', expect: [202], capture: { orderId: '$.orderId' }, state: 'created' },
    accept: { method: 'POST', path: '/accept', state: 'accepted' },
    activate: { method: 'POST', path: '/activate', state: 'activated' },
    cancel: { method: 'POST', path: '/cancel', state: 'cancelled' },
  },
  lifecycle: [{ request: 'create' }, { cleanup: [{ request: 'cancel' }] }, { wait: '5s' }, { request: 'accept' }, { request: 'activate' }],
  payloads: { count: 1, key: 'orderNumber', fields: { orderNumber: 'ORD-{{seq:03}}' } },
  entity: { name: 'order', terminal: ['cancelled'] },
});

function harness(): Harness {
  const h = engineHarness(plan);
  h.http.on('POST', '/orders', { status: 202, body: { orderId: 'o-1' } }).on('POST', '/accept', { status: 200 }).on('POST', '/activate', { status: 200 }).on('POST', '/cancel', { status: 200 });
  return h;
}

describe('Function: runLifecycle with a journal', () => {
  it('journals start, each transition and each armed cleanup (cursor already moved on), and the finish before recording it, with a rising seq', async () => {
    // Prepare
    const h = harness();
    const journal = new FakeJournal();

    // Act
    const status = await runToEnd(h.clock, runLifecycle(startCursor(7, 0), { ...h.env, journal }));

    // Assess
    expect(status).toEqual({ done: true, vars: { orderId: 'o-1' }, failure: undefined });
    expect(journal.log()).toEqual(['started 1 -', 'transitioned 2 created', 'transitioned 3 created', 'transitioned 4 accepted', 'transitioned 5 activated', 'transitioned 6 cancelled', 'finished 7 cancelled']);
    expect(journal.writes[0]).toMatchObject({ pc: 0, phase: 'body' });
    // The transition is journaled before the arm, and the arm itself right after it (the cleanup a lost
    // worker's lifecycle needs is known from then on).
    expect(h.compiled.program.instrs[journal.writes[1]!.pc]).toMatchObject({ op: 'arm' });
    expect(journal.writes[2]!.pc).toBe(journal.writes[1]!.pc + 1);
    expect(journal.writes[6]!.record).toEqual({ outcome: 'completed', index: 0, key: 'ORD-001', state: 'cancelled', terminal: true, reason: undefined });
    expect(h.recorder.result(0).lifecycles).toEqual({ completed: 1, failed: 0, dropped: 0, reasons: {} });
  });

  it('journals a park with the returned cursor (latest seq), and a resume goes on from that seq without a new start', async () => {
    // Prepare
    const h = harness();
    const journal = new FakeJournal();
    const park = new AbortController();
    park.abort();

    // Act
    const parked = await runToEnd(h.clock, runLifecycle(startCursor(7, 0), { ...h.env, journal, park: park.signal }));
    const cursor = (parked as { cursor: Cursor }).cursor;
    const status = await runToEnd(h.clock, runLifecycle(cursor, { ...h.env, journal }));

    // Assess
    expect(cursor).toMatchObject({ seq: 4, wakeAt: 5000, state: 'created' });
    expect(journal.log()).toEqual(['started 1 -', 'transitioned 2 created', 'transitioned 3 created', 'parked 4 created', 'transitioned 5 accepted', 'transitioned 6 activated', 'transitioned 7 cancelled', 'finished 8 cancelled']);
    expect(status).toMatchObject({ done: true, failure: undefined });
    expect(h.http.timeline()).toEqual(['POST /orders @0', 'POST /accept @5000', 'POST /activate @5000', 'POST /cancel @5000']);
  });

  it('abandons the lifecycle when a transition write is refused: nothing more is sent, nothing is recorded as its outcome', async () => {
    // Prepare
    const h = harness();
    const journal = new FakeJournal({ kind: 'transitioned', nth: 3 });
    const progress = { lifecycles: 0, started: 0 };

    // Act
    const status = await runToEnd(h.clock, runLifecycle(startCursor(7, 0), { ...h.env, journal, progress }));

    // Assess
    expect(status).toEqual({ done: true, vars: { orderId: 'o-1' }, abandoned: true });
    expect(h.http.timeline()).toEqual(['POST /orders @0', 'POST /accept @5000']);
    expect(journal.log()).toEqual(['started 1 -', 'transitioned 2 created', 'transitioned 3 created']);
    const result = h.recorder.result(h.clock.now());
    expect(result.lifecycles).toEqual({ completed: 0, failed: 0, dropped: 0, reasons: {} });
    expect(result.nonTerminalCount).toBe(0);
    expect(h.events.events.filter((e) => e.type !== 'request' && e.type !== 'transition')).toEqual([]);
    expect(progress.lifecycles).toBe(0);
  });

  it('abandons before the first request when the start is refused', async () => {
    // Prepare
    const h = harness();
    const journal = new FakeJournal({ kind: 'started', nth: 1 });

    // Act
    const status = await runToEnd(h.clock, runLifecycle(startCursor(7, 0), { ...h.env, journal }));

    // Assess
    expect(status).toEqual({ done: true, vars: {}, abandoned: true });
    expect(h.http.calls).toEqual([]);
    expect(h.events.events).toEqual([]);
  });

  it('records no outcome when the finish is refused, and no parked cursor when the park is refused', async () => {
    // Prepare
    const h = harness();
    const refusesFinish = new FakeJournal({ kind: 'finished', nth: 1 });
    const refusesPark = new FakeJournal({ kind: 'parked', nth: 1 });
    const park = new AbortController();
    park.abort();

    // Act
    const finished = await runToEnd(h.clock, runLifecycle(startCursor(7, 0), { ...h.env, journal: refusesFinish }));
    const parked = await runToEnd(h.clock, runLifecycle(startCursor(7, 0), { ...h.env, journal: refusesPark, park: park.signal }));

    // Assess
    expect(finished).toMatchObject({ done: true, abandoned: true });
    expect(parked).toMatchObject({ done: true, abandoned: true });
    expect(h.recorder.result(h.clock.now()).lifecycles).toEqual({ completed: 0, failed: 0, dropped: 0, reasons: {} });
    expect(h.events.ofType('completed')).toEqual([]);
    expect(h.events.ofType('failed')).toEqual([]);
  });

  it('journals a failed lifecycle as failed, with the reason, before recording it', async () => {
    // Prepare
    const h = harness();
    h.http.on('POST', '/accept', { status: 500 });
    const journal = new FakeJournal();

    // Act
    await runToEnd(h.clock, runLifecycle(startCursor(7, 0), { ...h.env, journal }));

    // Assess
    expect(journal.log()).toEqual(['started 1 -', 'transitioned 2 created', 'transitioned 3 created', 'transitioned 4 cancelled', 'finished 5 cancelled']);
    expect(journal.writes.at(-1)!.record).toMatchObject({ outcome: 'failed', reason: 'accept: http5xx 500', terminal: true });
    expect(h.recorder.result(0).lifecycles).toEqual({ completed: 0, failed: 1, dropped: 0, reasons: { 'accept: http5xx 500': 1 } });
  });

  it('makes no journal call for setup and verify runs (system), nor when there is no journal', async () => {
    // Prepare
    const h = harness();
    const journal = new FakeJournal();

    // Act
    const system = await runToEnd(h.clock, runLifecycle(startCursor(7, 0), { ...h.env, journal, system: true }));
    const plain = await runToEnd(h.clock, runLifecycle(startCursor(7, 1), h.env));

    // Assess
    expect(system).toEqual({ done: true, vars: { orderId: 'o-1' }, failure: undefined });
    expect(plain).toEqual({ done: true, vars: { orderId: 'o-1' }, failure: undefined });
    expect(journal.writes).toEqual([]);
    expect(h.http.calls).toHaveLength(8);
  });
});
