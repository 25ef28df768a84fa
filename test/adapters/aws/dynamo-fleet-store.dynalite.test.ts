import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoFleetStore, FLEET_TABLE, fleetTableKeys } from '../../../lib/adapters/aws/dynamo-fleet-store.ts';
import { CorruptFleetRowError } from '../../../lib/adapters/aws/errors.ts';
import { InvalidJournalEntryError } from '../../../lib/core/fleet/errors.ts';
import { expiresAt } from '../../../lib/adapters/aws/fleet-table.ts';
import type { RunRecord } from '../../../lib/core/fleet/ports.ts';
import { emptyUnitResult } from '../../../lib/core/recorder/merge.ts';
import type { BatchUnit } from '../../../lib/core/units.ts';
import { startAwsEmulators } from '../../helpers/aws-emulators.ts';
import type { AwsEmulators } from '../../helpers/aws-emulators.ts';

// What the table itself holds (layout, TTL, compression) and how bad rows are reported, on dynalite.

const T0 = Date.UTC(2025, 0, 1);
const LATER = T0 + 3_600_000;

function runRecord(runId: string): RunRecord {
  return { runId, plan: { name: 'p' }, kind: 'custom', status: 'RUNNING', createdAt: T0, startAt: T0, deadline: T0 + 60_000, unitsPlanned: 2, warnings: [] };
}

function unit(runId: string, unitId: string): BatchUnit {
  return { kind: 'batch', runId, unitId, indices: [0] };
}

describe('Class: DynamoFleetStore (dynalite)', () => {
  let aws: AwsEmulators;
  let store: DynamoFleetStore;
  beforeAll(async () => {
    aws = await startAwsEmulators();
    store = new DynamoFleetStore({ client: aws.clients.dynamo, tableName: aws.tableName, clock: () => LATER });
  });
  afterAll(async () => {
    await aws?.stop();
  });

  async function items(runId: string): Promise<Record<string, unknown>[]> {
    const out = await aws.clients.dynamo.send(new QueryCommand({ TableName: aws.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': fleetTableKeys.partition(runId) }, ConsistentRead: true }));
    return out.Items ?? [];
  }

  async function put(item: Record<string, unknown>): Promise<void> {
    await aws.clients.dynamo.send(new PutCommand({ TableName: aws.tableName, Item: item }));
  }

  describe('HAPPY PATH', () => {
    it('sets a TTL on every row it writes: 30 days after the run, or after a later write', async () => {
      // Prepare
      const runId = `run-${randomUUID()}`;
      await store.createRun(runRecord(runId), [unit(runId, 'a'), unit(runId, 'b')]);
      await store.addUnits(runId, [unit(runId, 'c')]);
      await store.writeJournal(runId, { index: 7, key: 'K', unitId: 'a', seq: 1, phase: 'running' });

      // Act
      const rows = await items(runId);

      // Assess
      const ttl = Object.fromEntries(rows.map((row) => [row.sk, row[FLEET_TABLE.ttlAttribute]]));
      expect(ttl).toEqual({
        RUN: Math.floor(T0 / 1000) + 30 * 86_400,
        'UNIT#a': expiresAt(T0),
        'UNIT#b': expiresAt(T0),
        'UNIT#c': expiresAt(LATER),
        'LC#000000000007': expiresAt(LATER),
      });
    });

    it('stores a result over 300 KB gzip-compressed in resultGz, and a small one inline', async () => {
      const runId = `run-${randomUUID()}`;
      await store.createRun(runRecord(runId), [unit(runId, 'big'), unit(runId, 'small')]);
      const reasons = Object.fromEntries(Array.from({ length: 8_000 }, (_, i) => [`reason number ${i} with some padding text`, i]));
      const big = { ...emptyUnitResult(T0), lifecycles: { completed: 0, failed: 0, dropped: 0, reasons } };
      for (const [unitId, result] of [['big', big], ['small', emptyUnitResult(T0)]] as const) {
        const claim = await store.claimUnit(runId, unitId, T0, 1_000);
        if (claim.status !== 'claimed') throw new Error('expected a claim');
        expect(await store.completeUnit(runId, unitId, claim.token, result, { status: 'DONE' })).toBe(true);
      }
      const get = async (unitId: string) => (await aws.clients.dynamo.send(new GetCommand({ TableName: aws.tableName, Key: fleetTableKeys.unit(runId, unitId), ConsistentRead: true }))).Item;
      const bigItem = await get('big');
      expect(bigItem?.resultGz).toBeInstanceOf(Uint8Array);
      expect(bigItem?.result).toBeUndefined();
      expect(bigItem?.leaseUntil).toBeUndefined();
      expect(bigItem?.token).toBeUndefined();
      expect(typeof (await get('small'))?.result).toBe('string');
      const rows = await store.listUnits(runId);
      expect(rows.find((row) => row.unit.unitId === 'big')?.result).toEqual(big);
    });
  });

  describe('SAD PATH', () => {
    it('names the run, sort key and issue of a corrupt unit row', async () => {
      const runId = `run-${randomUUID()}`;
      await store.createRun(runRecord(runId), []);
      await put({ ...fleetTableKeys.unit(runId, 'bad'), unit: JSON.stringify({ kind: 'batch', runId, unitId: 'bad', indices: [] }), status: 'QUEUED', sent: false, attempts: 0 });
      const error = await store.listUnits(runId).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptFleetRowError);
      expect(error).toMatchObject({ runId, sortKey: 'UNIT#bad', code: 'FLEET_ROW_CORRUPT' });
      expect(String(error)).toMatch(new RegExp(`run ${runId}, sort key UNIT#bad\\): .*indices`, 's'));
    });

    it('rejects a unit row holding another unit than its key names', async () => {
      const runId = `run-${randomUUID()}`;
      await put({ ...fleetTableKeys.unit(runId, 'x'), unit: JSON.stringify(unit(runId, 'y')), status: 'QUEUED', sent: false, attempts: 0 });
      await expect(store.listUnits(runId)).rejects.toThrow('holds unit y');
      await expect(store.listUnits(runId)).rejects.toThrow(CorruptFleetRowError);
    });

    it('rejects a run row with an unknown status and one whose plan is not JSON', async () => {
      const runId = `run-${randomUUID()}`;
      await store.createRun(runRecord(runId), []);
      await put({ ...(await items(runId))[0], status: 'PAUSED' });
      await expect(store.getRun(runId)).rejects.toThrow(/sort key RUN\): .*status/s);
      await put({ ...(await items(runId))[0], status: 'RUNNING', plan: '{oops' });
      await expect(store.getRun(runId)).rejects.toThrow(/not valid JSON/);
      await expect(store.getRun(runId)).rejects.toMatchObject({ code: 'FLEET_ROW_CORRUPT', runId, sortKey: 'RUN' });
    });

    it('rejects a journal row whose cursor does not validate', async () => {
      const runId = `run-${randomUUID()}`;
      await put({ ...fleetTableKeys.journal(runId, 3), unitId: 'a', key: 'K', seq: 1, phase: 'parked', cursor: JSON.stringify({ index: -1 }) });
      await expect(store.openJournal(runId)).rejects.toThrow(/sort key LC#000000000003\): .*cursor/s);
    });

    it('refuses journal indexes a 12-digit sort key cannot hold', async () => {
      await expect(store.writeJournal('r', { index: 1e12, key: 'K', unitId: 'a', seq: 1, phase: 'running' })).rejects.toThrow('journal index');
      await expect(store.writeJournal('r', { index: 1e12, key: 'K', unitId: 'a', seq: 1, phase: 'running' })).rejects.toThrow(InvalidJournalEntryError);
    });
  });
});
