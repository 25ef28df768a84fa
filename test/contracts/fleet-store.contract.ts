import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cursor } from '../../lib/core/engine/cursor.ts';
import { InvalidJournalEntryError, InvalidUnitsError, RunExistsError, UnitNotFoundError } from '../../lib/core/fleet/errors.ts';
import type { FleetStore, JournalEntry, RunRecord } from '../../lib/core/fleet/ports.ts';
import { emptyUnitResult } from '../../lib/core/recorder/merge.ts';
import type { UnitResult } from '../../lib/core/recorder/types.ts';
import type { BatchUnit } from '../../lib/core/units.ts';

/** A store under test, the clock its claims use, and how to release it. */
export interface FleetStoreHarness {
  readonly store: FleetStore;
  /** Base instant of the claims (epoch ms); default a fixed date. */
  readonly now?: (() => number) | undefined;
  cleanup(): Promise<void>;
}

const LEASE_MS = 60_000;

function newRunId(): string {
  return `run-${randomUUID()}`;
}

function runRecord(runId: string, at: number): RunRecord {
  return {
    runId,
    plan: { name: 'orders', load: { model: 'batch', lifecycles: 500 }, nested: [1, 'two', { three: null }] },
    kind: 'custom',
    status: 'RUNNING',
    createdAt: at,
    startAt: at + 5_000,
    deadline: at + 3_600_000,
    unitsPlanned: 3,
    planned: 500,
    warnings: ['target is slow'],
  };
}

function unit(runId: string, n: number): BatchUnit {
  return { kind: 'batch', runId, unitId: `u-${String(n).padStart(4, '0')}`, indices: [n * 2, n * 2 + 1] };
}

function units(runId: string, count: number): BatchUnit[] {
  return Array.from({ length: count }, (_, n) => unit(runId, n));
}

function result(at: number, completed = 2): UnitResult {
  return { ...emptyUnitResult(at), endedAt: at + 1_000, lifecycles: { completed, failed: 0, dropped: 0, reasons: {} } };
}

/** A result of ~400 KB of JSON: over the inline limit, so the DynamoDB store must compress it. */
function largeResult(at: number): UnitResult {
  const reasons: Record<string, number> = {};
  for (let i = 0; i < 6_000; i++) reasons[`reason ${i}: upstream returned an unexpected body (${i % 97})`] = i;
  return { ...emptyUnitResult(at), lifecycles: { completed: 0, failed: 6_000, dropped: 0, reasons } };
}

function cursor(index: number): Cursor {
  return { index, pc: 3, phase: 'body', vars: { orderId: `ORD-${index}`, items: [1, 2], meta: { a: 'b' } }, state: 'created', armed: 7, rng: [1, 2, 3, 4] };
}

function entry(index: number, seq: number, phase: JournalEntry['phase'] = 'running'): JournalEntry {
  return phase === 'finished'
    ? { index, key: `ORD-${index}`, unitId: 'u-0000', seq, phase, state: 'closed', outcome: 'completed', terminal: true }
    : { index, key: `ORD-${index}`, unitId: 'u-0000', seq, phase, state: 'created', cursor: cursor(index) };
}

/**
 * `describeFleetStoreContract` runs the `FleetStore` contract against one implementation, so the
 * in-memory store used by tests and the DynamoDB store used on AWS cannot drift apart. Each test uses
 * a fresh run id, so one store serves the whole suite.
 */
export function describeFleetStoreContract(name: string, makeStore: () => Promise<FleetStoreHarness>): void {
  describe(`Contract: FleetStore (${name})`, () => {
    let harness: FleetStoreHarness;
    let store: FleetStore;
    let t0: number;
    beforeAll(async () => {
      harness = await makeStore();
      store = harness.store;
      t0 = harness.now?.() ?? Date.UTC(2025, 0, 1, 12);
    });
    afterAll(async () => {
      await harness?.cleanup();
    });

    async function startRun(count = 3): Promise<string> {
      const runId = newRunId();
      await store.createRun(runRecord(runId, t0), units(runId, count));
      return runId;
    }

    describe('HAPPY PATH', () => {
      it('writes the run and its units, QUEUED and not sent', async () => {
        const runId = await startRun();
        expect(await store.getRun(runId)).toEqual(runRecord(runId, t0));
        const rows = await store.listUnits(runId);
        expect(rows.map((row) => row.unit)).toEqual(units(runId, 3));
        expect(rows.every((row) => row.status === 'QUEUED' && !row.sent && row.attempts === 0)).toBe(true);
      });

      it('claims a QUEUED unit as attempt 1, then says busy while the lease lives', async () => {
        const runId = await startRun();
        const first = await store.claimUnit(runId, 'u-0000', t0, LEASE_MS);
        expect(first).toEqual({ status: 'claimed', attempt: 1, token: expect.any(String) });
        expect(await store.claimUnit(runId, 'u-0000', t0 + LEASE_MS - 1, LEASE_MS)).toEqual({ status: 'busy' });
        expect(await store.claimUnit(runId, 'u-0000', t0 + LEASE_MS, LEASE_MS)).toEqual({ status: 'busy' });
        const [row] = (await store.listUnits(runId)).filter((r) => r.unit.unitId === 'u-0000');
        expect(row).toMatchObject({ status: 'CLAIMED', attempts: 1, leaseUntil: t0 + LEASE_MS });
      });

      it('takes a unit over after its lease expired, as attempt 2 with a new token', async () => {
        const runId = await startRun();
        const first = await store.claimUnit(runId, 'u-0001', t0, LEASE_MS);
        const second = await store.claimUnit(runId, 'u-0001', t0 + LEASE_MS + 1, LEASE_MS);
        expect(second).toMatchObject({ status: 'claimed', attempt: 2 });
        expect(first.status === 'claimed' && second.status === 'claimed' && first.token !== second.token).toBe(true);
      });

      it('completes a claimed unit: DONE with result and worker, and later claims say done', async () => {
        const runId = await startRun();
        const claim = await store.claimUnit(runId, 'u-0002', t0, LEASE_MS);
        if (claim.status !== 'claimed') throw new Error('expected a claim');
        expect(await store.completeUnit(runId, 'u-0002', claim.token, result(t0), { status: 'DONE', worker: 'stream-1' })).toBe(true);
        const row = (await store.listUnits(runId)).find((r) => r.unit.unitId === 'u-0002');
        expect(row).toMatchObject({ status: 'DONE', attempts: 1, worker: 'stream-1', result: result(t0) });
        expect(row?.leaseUntil).toBeUndefined();
        // Progress checks list the rows without their results: everything else is there.
        const light = (await store.listUnits(runId, { results: false })).find((r) => r.unit.unitId === 'u-0002');
        expect(light).toEqual({ ...row, result: undefined });
        expect(light && 'result' in light && light.result !== undefined).toBe(false);
        expect(await store.claimUnit(runId, 'u-0002', t0 + 10 * LEASE_MS, LEASE_MS)).toEqual({ status: 'done' });
        expect(await store.completeUnit(runId, 'u-0002', claim.token, result(t0, 9), { status: 'DONE' })).toBe(false);
      });

      it('completes a unit as SWEPT without a worker, and a SWEPT unit is done', async () => {
        const runId = await startRun();
        const claim = await store.claimUnit(runId, 'u-0000', t0, LEASE_MS);
        if (claim.status !== 'claimed') throw new Error('expected a claim');
        expect(await store.completeUnit(runId, 'u-0000', claim.token, result(t0), { status: 'SWEPT' })).toBe(true);
        const row = (await store.listUnits(runId)).find((r) => r.unit.unitId === 'u-0000');
        expect(row).toMatchObject({ status: 'SWEPT' });
        expect(row?.worker).toBeUndefined();
        expect(await store.claimUnit(runId, 'u-0000', t0, LEASE_MS)).toEqual({ status: 'done' });
      });

      it('moves the run RUNNING -> STOPPING once, then only along allowed statuses', async () => {
        const runId = await startRun();
        expect(await store.requestStop(runId, 'deadline passed')).toBe(true);
        expect(await store.getRun(runId)).toMatchObject({ status: 'STOPPING', stopReason: 'deadline passed' });
        expect(await store.requestStop(runId, 'again')).toBe(false);
        expect((await store.getRun(runId))?.stopReason).toBe('deadline passed');
        expect(await store.setRunStatus(runId, 'SWEEPING', ['RUNNING'])).toBe(false);
        expect(await store.setRunStatus(runId, 'SWEEPING', ['RUNNING', 'STOPPING'])).toBe(true);
        expect(await store.setRunStatus(runId, 'DONE', [])).toBe(false);
        expect(await store.setRunStatus(runId, 'DONE', ['SWEEPING'])).toBe(true);
        expect((await store.getRun(runId))?.status).toBe('DONE');
      });

      it('adds only the units whose ids are new', async () => {
        const runId = await startRun(2);
        const added = await store.addUnits(runId, [unit(runId, 1), unit(runId, 2), unit(runId, 3)]);
        expect(added).toEqual([unit(runId, 2), unit(runId, 3)]);
        const rows = await store.listUnits(runId);
        expect(rows.map((row) => row.unit.unitId).sort()).toEqual(['u-0000', 'u-0001', 'u-0002', 'u-0003']);
        expect(rows.find((row) => row.unit.unitId === 'u-0003')).toMatchObject({ status: 'QUEUED', sent: false, attempts: 0 });
      });

      it('marks units sent', async () => {
        const runId = await startRun();
        await store.markSent(runId, ['u-0000', 'u-0002']);
        const sent = (await store.listUnits(runId)).filter((row) => row.sent).map((row) => row.unit.unitId);
        expect(sent.sort()).toEqual(['u-0000', 'u-0002']);
      });

      it('lists every unit of a run of 310 units (several pages)', async () => {
        const runId = await startRun(310);
        const neighbour = newRunId();
        await store.createRun(runRecord(neighbour, t0), units(neighbour, 5));
        const rows = await store.listUnits(runId);
        expect(rows).toHaveLength(310);
        expect(new Set(rows.map((row) => row.unit.unitId)).size).toBe(310);
      });

      it('round-trips a result over 300 KB', async () => {
        const runId = await startRun();
        const big = largeResult(t0);
        expect(JSON.stringify(big).length).toBeGreaterThan(300 * 1024);
        const claim = await store.claimUnit(runId, 'u-0001', t0, LEASE_MS);
        if (claim.status !== 'claimed') throw new Error('expected a claim');
        expect(await store.completeUnit(runId, 'u-0001', claim.token, big, { status: 'DONE', worker: 'w' })).toBe(true);
        expect((await store.listUnits(runId)).find((row) => row.unit.unitId === 'u-0001')?.result).toEqual(big);
      });

      it('reads journal ranges with inclusive bounds in numeric order (9, 10, 11, 100)', async () => {
        const runId = await startRun();
        for (const index of [100, 11, 10, 9]) expect(await store.writeJournal(runId, entry(index, 1))).toBe(true);
        const indexes = async (from: number, to: number) => (await store.journalRange(runId, from, to)).map((e) => e.index);
        expect(await indexes(9, 100)).toEqual([9, 10, 11, 100]);
        expect(await indexes(10, 11)).toEqual([10, 11]);
        expect(await indexes(11, 99)).toEqual([11]);
        expect(await indexes(100, 100)).toEqual([100]);
        expect(await indexes(101, 1_000)).toEqual([]);
        expect(await indexes(12, 9)).toEqual([]);
        expect((await store.journalRange(runId, 10, 10))[0]).toEqual(entry(10, 1));
      });

      it('lists the open journal entries: running and parked, not finished', async () => {
        const runId = await startRun();
        await store.writeJournal(runId, entry(1, 1));
        await store.writeJournal(runId, entry(2, 1));
        await store.writeJournal(runId, entry(3, 1));
        await store.writeJournal(runId, entry(2, 2, 'parked'));
        await store.writeJournal(runId, entry(3, 2, 'finished'));
        const open = await store.openJournal(runId);
        expect(open.map((e) => [e.index, e.phase])).toEqual([[1, 'running'], [2, 'parked']]);
        expect(open[1]).toEqual(entry(2, 2, 'parked'));
      });

      it('keeps stored state apart from the objects passed in and handed out', async () => {
        const runId = newRunId();
        const record = { ...runRecord(runId, t0), warnings: ['target is slow'] };
        const given = units(runId, 1);
        await store.createRun(record, given);
        record.warnings.push('mutated');
        given[0]?.indices.push(99);
        const read = await store.getRun(runId);
        (read?.warnings as string[]).push('mutated again');
        expect((await store.getRun(runId))?.warnings).toEqual(['target is slow']);
        expect((await store.listUnits(runId))[0]?.unit).toEqual(unit(runId, 0));
      });
    });

    describe('SAD PATH', () => {
      it('refuses to create a run twice and keeps the first one', async () => {
        const runId = await startRun(2);
        await expect(store.createRun({ ...runRecord(runId, t0), kind: 'other' }, units(runId, 5))).rejects.toThrow(`run ${runId} already exists`);
        await expect(store.createRun(runRecord(runId, t0), units(runId, 1))).rejects.toThrow(RunExistsError);
        await expect(store.createRun(runRecord(runId, t0), units(runId, 1))).rejects.toMatchObject({ code: 'RUN_EXISTS', runId });
        expect((await store.getRun(runId))?.kind).toBe('custom');
        expect(await store.listUnits(runId)).toHaveLength(2);
      });

      it('does not save the result of a claim that was taken over', async () => {
        const runId = await startRun();
        const stale = await store.claimUnit(runId, 'u-0000', t0, LEASE_MS);
        const fresh = await store.claimUnit(runId, 'u-0000', t0 + LEASE_MS + 1, LEASE_MS);
        if (stale.status !== 'claimed' || fresh.status !== 'claimed') throw new Error('expected two claims');
        expect(await store.completeUnit(runId, 'u-0000', stale.token, result(t0), { status: 'DONE', worker: 'old' })).toBe(false);
        const row = (await store.listUnits(runId)).find((r) => r.unit.unitId === 'u-0000');
        expect(row).toMatchObject({ status: 'CLAIMED', attempts: 2 });
        expect(row?.result).toBeUndefined();
        expect(row?.worker).toBeUndefined();
        expect(await store.completeUnit(runId, 'u-0000', fresh.token, result(t0), { status: 'DONE' })).toBe(true);
      });

      it('refuses journal writes out of sequence', async () => {
        const runId = await startRun();
        expect(await store.writeJournal(runId, entry(5, 1))).toBe(true);
        expect(await store.writeJournal(runId, { ...entry(5, 1), unitId: 'other' })).toBe(false);
        expect(await store.writeJournal(runId, entry(5, 3))).toBe(false);
        expect(await store.writeJournal(runId, entry(6, 2))).toBe(false);
        expect(await store.writeJournal(runId, entry(5, 2, 'parked'))).toBe(true);
        expect(await store.journalRange(runId, 0, 10)).toEqual([entry(5, 2, 'parked')]);
      });

      it('does not stop a run that is not RUNNING, nor move an unknown run', async () => {
        const runId = await startRun();
        expect(await store.setRunStatus(runId, 'SWEEPING', ['RUNNING'])).toBe(true);
        expect(await store.requestStop(runId, 'late')).toBe(false);
        expect(await store.requestStop(newRunId(), 'none')).toBe(false);
        expect(await store.setRunStatus(newRunId(), 'DONE', ['RUNNING'])).toBe(false);
        expect(await store.getRun(newRunId())).toBeUndefined();
      });

      it('throws on a unit it does not know', async () => {
        const runId = await startRun();
        await expect(store.claimUnit(runId, 'nope', t0, LEASE_MS)).rejects.toThrow(`unit nope of run ${runId} is not known`);
        await expect(store.markSent(runId, ['nope'])).rejects.toThrow(`unit nope of run ${runId} is not known`);
        await expect(store.claimUnit(runId, 'nope', t0, LEASE_MS)).rejects.toThrow(UnitNotFoundError);
        await expect(store.markSent(runId, ['nope'])).rejects.toMatchObject({ code: 'UNIT_NOT_FOUND', runId, unitId: 'nope' });
        expect(await store.listUnits(runId)).toHaveLength(3);
      });

      it('refuses units of another run', async () => {
        const runId = newRunId();
        await expect(store.createRun(runRecord(runId, t0), [unit('other-run', 0)])).rejects.toThrow('belongs to run other-run');
        await expect(store.createRun(runRecord(runId, t0), [unit(runId, 0), unit(runId, 0)])).rejects.toThrow(InvalidUnitsError);
        await expect(store.createRun(runRecord(runId, t0), [unit('other-run', 0)])).rejects.toMatchObject({ code: 'UNITS_INVALID' });
        expect(await store.getRun(runId)).toBeUndefined();
      });

      it('refuses a journal entry it cannot keep (seq below 1, a negative index)', async () => {
        const runId = await startRun();
        await expect(store.writeJournal(runId, { ...entry(5, 1), seq: 0 })).rejects.toThrow(InvalidJournalEntryError);
        await expect(store.writeJournal(runId, { ...entry(5, 1), index: -1 })).rejects.toMatchObject({ code: 'JOURNAL_ENTRY_INVALID' });
        expect(await store.journalRange(runId, 0, 10)).toEqual([]);
      });
    });
  });
}
