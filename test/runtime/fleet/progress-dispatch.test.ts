import { describe, expect, it } from 'vitest';
import { MemoryFleetStore } from '../../../lib/adapters/local/memory-fleet-store.ts';
import { MemoryObjectStore } from '../../../lib/adapters/local/memory-object-store.ts';
import { MemoryUnitQueue } from '../../../lib/adapters/local/memory-unit-queue.ts';
import { RunNotFoundError } from '../../../lib/core/fleet/errors.ts';
import type { RunRecord } from '../../../lib/core/fleet/ports.ts';
import { emptyUnitResult } from '../../../lib/core/recorder/merge.ts';
import type { Unit } from '../../../lib/core/units.ts';
import { delaySecondsOf, dispatchQueued } from '../../../lib/runtime/fleet/dispatch.ts';
import type { FleetEnv } from '../../../lib/runtime/fleet/fleet-env.ts';
import { aggregateRun } from '../../../lib/runtime/fleet/aggregate.ts';
import { checkProgress } from '../../../lib/runtime/fleet/progress.ts';
import { sweepRun } from '../../../lib/runtime/fleet/sweep.ts';
import { runFleetUnit } from '../../../lib/runtime/fleet/worker.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { ScriptedHttp } from '../../helpers/scripted-http.ts';

const T0 = 1_800_000_000_000;
const RUN: RunRecord = { runId: 'r', plan: { text: 'unused', file: 'p.yaml' }, kind: 'custom', status: 'RUNNING', createdAt: T0, startAt: T0, deadline: T0 + 600_000, unitsPlanned: 3, planned: 3, warnings: [] };
const batch = (n: number): Unit => ({ kind: 'batch', runId: 'r', unitId: `b${n}`, indices: [n] });
const resume = (id: string, wakeAt: number): Unit => ({ kind: 'resume', runId: 'r', unitId: id, cursors: [{ index: 0, pc: 3, phase: 'cleanup', vars: {}, rng: [], wakeAt }] });
const STATE = { runId: 'r', startAt: new Date(T0).toISOString(), pollSeconds: 5 };

async function setup(units: Unit[] = [batch(0), batch(1), batch(2)]) {
  const clock = new FakeClock(T0);
  const store = new MemoryFleetStore(() => clock.now());
  const queue = new MemoryUnitQueue();
  await store.createRun(RUN, units);
  return { store, queue, clock, deps: { store, queue, clock, workerTimeoutMs: 60_000 } };
}

async function finish(store: MemoryFleetStore, unitId: string, now: number): Promise<void> {
  const claim = await store.claimUnit('r', unitId, now, 60_000);
  if (claim.status !== 'claimed') throw new Error('claim');
  await store.completeUnit('r', unitId, claim.token, emptyUnitResult(now), { status: 'DONE' });
}

describe('dispatch and progress', () => {
  it('sends queued units once, and a resume unit delayed until just before its earliest lifecycle wakes', async () => {
    const { store, queue, clock } = await setup([batch(0), resume('b0.c', T0 + 60_000), resume('b1.c', T0 + 2_000_000)]);
    expect(await dispatchQueued('r', store, queue, clock.now())).toEqual({ sent: 3, left: 0 });
    expect(queue.sent.map((m) => [m.unit.unitId, m.delaySeconds])).toEqual([['b0', 0], ['b0.c', 55], ['b1.c', 900]]);
    expect(await dispatchQueued('r', store, queue, clock.now())).toEqual({ sent: 0, left: 0 });
    expect(delaySecondsOf(resume('x', T0 + 3_000), T0)).toBe(0);
  });

  it('names the step and the run when the run is not in the store: RunNotFoundError, before any write', async () => {
    // Prepare: the store holds run r only
    const { store, deps, clock } = await setup();
    const gone = { ...STATE, runId: 'gone' };
    const objects = new MemoryObjectStore();
    const http = new ScriptedHttp(clock);

    // Act
    const errors = await Promise.all([
      checkProgress(gone, deps).catch((e: unknown) => e),
      sweepRun(gone, { store, objects, env: {}, clock, http, workerTimeoutMs: 60_000 }).catch((e: unknown) => e),
      aggregateRun(gone, { store, objects, env: {}, clock, http: () => http }).catch((e: unknown) => e),
    ]);

    // Assess
    for (const error of errors) expect(error).toBeInstanceOf(RunNotFoundError);
    expect(errors).toMatchObject(['progress', 'sweep', 'aggregate'].map((step) => ({ code: 'RUN_NOT_FOUND', runId: 'gone', message: `${step}: run gone is not in the run table` })));
    expect(await objects.list('')).toEqual([]);
    expect(await store.getRun('r')).toMatchObject({ status: 'RUNNING' });
  });

  it('is finished when every unit is done', async () => {
    const { store, deps } = await setup();
    for (const id of ['b0', 'b1']) await finish(store, id, T0);
    expect(await checkProgress(STATE, deps)).toMatchObject({ finished: false, outstanding: 1 });
    await finish(store, 'b2', T0);
    expect(await checkProgress(STATE, deps)).toMatchObject({ finished: true, outstanding: 0 });
  });

  it('stops the run at its deadline, then waits for live claims and queued units before the sweep', async () => {
    const { store, deps, clock } = await setup();
    await store.claimUnit('r', 'b0', T0 + 599_000, 60_000); // live until T0 + 659 s
    await clock.advance(601_000);
    expect(await checkProgress(STATE, deps)).toMatchObject({ finished: false });
    expect(await store.getRun('r')).toMatchObject({ status: 'STOPPING', stopReason: expect.stringContaining('deadline') });
    await clock.advance(59_000); // T0+660 s: the claim has expired (its worker is gone); b1, b2 still queued
    expect(await checkProgress(STATE, deps)).toMatchObject({ finished: false });
    await clock.advance(1_000); // past the deadline plus one worker timeout: the sweep takes the rest
    expect(await checkProgress(STATE, deps)).toMatchObject({ finished: true, outstanding: 3 });
  });

  it('re-sends units a worker wrote but never sent, once they are a minute old (not while the worker is sending them)', async () => {
    const { store, queue, deps, clock } = await setup([batch(0)]);
    await store.addUnits('r', [resume('b0.c', T0)]);
    await clock.advance(59_000);
    await checkProgress(STATE, deps);
    expect(queue.sent.map((m) => m.unit.unitId)).toEqual([]);
    await clock.advance(2_000);
    await checkProgress(STATE, deps);
    expect(queue.sent.map((m) => m.unit.unitId)).toEqual(['b0', 'b0.c']);
  });

  it('a worker sends a resume unit that arrived far too early back to wait, without claiming it', async () => {
    const { store, queue, clock } = await setup([resume('b0.c', T0 + 600_000)]);
    const fleet: FleetEnv = { tableName: 't', queueUrl: 'q', bucket: 'b', allowedHosts: ['127.0.0.1'], limits: { maxRps: 10, maxDurationSeconds: 600, maxRequests: 10 }, workerTimeoutMs: 60_000, startLeadMs: 0, maxConcurrency: 1 };
    const outcome = await runFleetUnit(resume('b0.c', T0 + 600_000), {
      store, queue, objects: new MemoryObjectStore(), fleet, env: {}, clock, http: new ScriptedHttp(clock), park: new AbortController().signal, workerId: 'w',
    });
    expect(outcome).toEqual({ status: 'deferred', unitId: 'b0.c', continuations: 0 });
    expect(queue.sent.map((m) => [m.unit.unitId, m.delaySeconds])).toEqual([['b0.c', 595]]);
    expect((await store.listUnits('r'))[0]).toMatchObject({ status: 'QUEUED', attempts: 0 });
  });
});
