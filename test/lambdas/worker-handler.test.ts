import { ConditionalCheckFailedException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { PutObjectCommandInput } from '@aws-sdk/client-s3';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { GetCommandInput, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { SQSEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoFleetStore } from '../../lib/adapters/aws/dynamo-fleet-store.ts';
import { runToItem, unitToItem } from '../../lib/adapters/aws/fleet-table.ts';
import { S3ObjectStore } from '../../lib/adapters/aws/s3-object-store.ts';
import { SqsUnitQueue } from '../../lib/adapters/aws/sqs-unit-queue.ts';
import { MemoryObjectStore } from '../../lib/adapters/local/memory-object-store.ts';
import { MemoryUnitQueue } from '../../lib/adapters/local/memory-unit-queue.ts';
import type { FleetStore, RunRecord, UnitRow } from '../../lib/core/fleet/ports.ts';
import type { UnitMetric } from '../../lib/runtime/fleet/unit-metrics.ts';
import { leaseMsFor } from '../../lib/runtime/fleet/worker.ts';
import type { FleetDeps } from '../../lambdas/shared/fleet-deps.ts';
import { makeWorkerHandler } from '../../lambdas/worker.ts';
import type { FakeClock } from '../helpers/fake-clock.ts';
import { createLambdaContext } from '../helpers/offline-cloud/lambda-context.ts';
import type { ScriptedHttp } from '../helpers/scripted-http.ts';
import { BUCKET, FLEET, QUEUE_URL, TABLE, failedIds, offlineClients, plannedRun, scriptedTarget, sqsEvent } from './fixtures.ts';

// The worker's error paths the emulators cannot produce (throttled claims, DynamoDB's ALL_OLD item on a
// failed condition) and the ones that must never reach DynamoDB or the target (poison messages,
// redeliveries). Every response is checked against a strict SQSBatchResponse schema (`failedIds`).

const WORKER_ID = '2026/01/01/[$LATEST]worker-under-test';
const context = () => createLambdaContext({ timeoutMs: 60_000, logStreamName: WORKER_ID, functionName: 'loadfleet-worker' });
const messageOf = (row: UnitRow) => ({ id: `msg-${row.unit.unitId}`, body: JSON.stringify(row.unit) });

/** The worker's dependencies over the real AWS adapters, each SDK client stubbed by aws-sdk-client-mock. */
function mockedFleet() {
  const clients = offlineClients(1);
  const mocks = { dynamo: mockClient(clients.dynamo), sqs: mockClient(clients.sqs), s3: mockClient(clients.s3) };
  const { clock, http } = scriptedTarget();
  const deps: FleetDeps = {
    store: new DynamoFleetStore({ client: clients.dynamo, tableName: TABLE }),
    queue: new SqsUnitQueue({ client: clients.sqs, queueUrl: QUEUE_URL }),
    objects: new S3ObjectStore({ client: clients.s3, bucket: BUCKET }),
    fleet: FLEET, env: {}, clock, http: () => http, workerHttp: http,
  };
  return { mocks, deps, clock, http };
}

/** The worker over a store the test seeded (DynamoDB semantics not under test), memory queue and bucket. */
function memoryFleet(store: FleetStore, clock: FakeClock, http: ScriptedHttp) {
  const deps: FleetDeps = { store, queue: new MemoryUnitQueue(), objects: new MemoryObjectStore(BUCKET), fleet: FLEET, env: {}, clock, http: () => http, workerHttp: http };
  return deps;
}

function worker(deps: FleetDeps, metrics: UnitMetric[] = []) {
  return makeWorkerHandler(() => deps, (m) => metrics.push(...m));
}

const sortKeyOf = (input: { Key?: Record<string, unknown> | undefined }): string => String(input.Key?.sk);

/** A claim's answer from DynamoDB (ALL_NEW): the unit row, now CLAIMED. */
function claimedItem(run: RunRecord, row: UnitRow, input: UpdateCommandInput): Record<string, unknown> {
  const values = input.ExpressionAttributeValues ?? {};
  return { ...unitToItem(run.runId, row.unit, run.createdAt), status: 'CLAIMED', attempts: 1, leaseUntil: values[':lease'], token: values[':token'] };
}

const throttled = () => new ProvisionedThroughputExceededException({
  message: 'The level of configured provisioned throughput for the table was exceeded.', $metadata: { httpStatusCode: 400 },
});

describe('worker handler: claims DynamoDB throttles (mocked DynamoDB, SDK maxAttempts 1)', () => {
  let run: RunRecord;
  let rows: UnitRow[];
  beforeEach(async () => {
    ({ run, rows } = await plannedRun('wk-throttle', 2));
  });

  it('returns the throttled record in batchItemFailures and acknowledges the other unit, which runs and is saved', async () => {
    // Prepare: b0001's claim is throttled every time; b0002 claims, runs and completes normally.
    const { mocks, deps, http } = mockedFleet();
    const [throttledRow, okRow] = rows as [UnitRow, UnitRow];
    mocks.dynamo.on(GetCommand).callsFake((input: GetCommandInput) => {
      if (sortKeyOf(input) !== 'RUN') throw new Error(`unexpected read of ${sortKeyOf(input)}`);
      return { Item: runToItem(run) };
    });
    mocks.dynamo.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
      if (sortKeyOf(input) === 'UNIT#b0001') throw throttled();
      return input.ReturnValues === 'ALL_NEW' ? { Attributes: claimedItem(run, okRow, input) } : {};
    });
    mocks.s3.on(PutObjectCommand).resolves({});
    const event = sqsEvent([messageOf(throttledRow), messageOf(okRow)]);
    const metrics: UnitMetric[] = [];

    // Act: resolves (a thrown error would send the whole batch back)
    const response = await worker(deps, metrics)(event, context());

    // Assess: only the throttled record comes back
    expect(failedIds(response, event)).toEqual(['msg-b0001']);

    // b0001: one claim attempt (the adapter does not retry whole-call errors), nothing else
    const updates = mocks.dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(updates.filter((u) => sortKeyOf(u) === 'UNIT#b0001')).toHaveLength(1);
    // b0002: claimed, then completed DONE with the claim's own token, by this worker
    const ok = updates.filter((u) => sortKeyOf(u) === 'UNIT#b0002');
    expect(ok.map((u) => u.ReturnValues ?? 'NONE')).toEqual(['ALL_NEW', 'NONE']);
    const [claim, complete] = ok as [UpdateCommandInput, UpdateCommandInput];
    expect(complete.ConditionExpression).toBe('#s = :claimed AND #token = :token');
    expect(complete.ExpressionAttributeValues?.[':token']).toBe(claim.ExpressionAttributeValues?.[':token']);
    expect(complete.ExpressionAttributeValues?.[':status']).toBe('DONE');
    expect(complete.ExpressionAttributeValues?.[':worker']).toBe(WORKER_ID);
    expect(JSON.parse(String(complete.ExpressionAttributeValues?.[':result']))).toMatchObject({ lifecycles: { completed: 1, failed: 0, dropped: 0 } });
    // Only b0002 read the run, sent its one request, uploaded its events; no queue traffic at all
    expect(mocks.dynamo.commandCalls(GetCommand).map((c) => sortKeyOf(c.args[0].input))).toEqual(['RUN']);
    expect(mocks.dynamo.calls()).toHaveLength(4); // 2 claims, 1 run read, 1 completion
    expect(http.timeline()).toEqual([`GET /ping @${deps.clock.now()}`]);
    expect(mocks.s3.commandCalls(PutObjectCommand).map((c) => (c.args[0].input as PutObjectCommandInput).Key)).toEqual(['runs/wk-throttle/events/b0002.1.csv']);
    expect(mocks.sqs.calls()).toHaveLength(0);
    expect(metrics.find((m) => m.name === 'requests' && m.dimensions.endpoint === undefined)?.value).toBe(1);
  });

  it('returns (does not throw) when every record of the batch is throttled', async () => {
    // Prepare
    const { mocks, deps, http } = mockedFleet();
    mocks.dynamo.on(UpdateCommand).rejects(throttled());
    const event = sqsEvent(rows.map(messageOf));

    // Act
    const response = await worker(deps)(event, context());

    // Assess: a full-batch failure is reported per record, not as a thrown FullBatchFailureError
    expect(failedIds(response, event)).toEqual(['msg-b0001', 'msg-b0002']);
    expect(mocks.dynamo.commandCalls(UpdateCommand)).toHaveLength(2);
    expect(mocks.dynamo.calls()).toHaveLength(2);
    expect(http.calls).toHaveLength(0);
    expect(mocks.s3.calls()).toHaveLength(0);
    expect(mocks.sqs.calls()).toHaveLength(0);
  });
});

describe('worker handler: poison messages', () => {
  it.each([
    ['a body that is not JSON', '{"kind":"batch","runId":'],
    ['an empty body', ''],
    ['JSON that is not an object', '[1,2,3]'],
    ['a unit with a missing field', JSON.stringify({ kind: 'batch', runId: 'wk-poison', unitId: 'b0001' })],
    ['a unit of an unknown kind', JSON.stringify({ kind: 'teleport', runId: 'wk-poison', unitId: 'b0001', indices: [0] })],
    ['a unit with an extra key', JSON.stringify({ kind: 'batch', runId: 'wk-poison', unitId: 'b0001', indices: [0], extra: true })],
  ])('acknowledges %s without touching DynamoDB, S3, SQS or the target', async (_name, body) => {
    // Prepare: any AWS call would be an unstubbed (undefined) answer; we count that none is made
    const { mocks, deps, http } = mockedFleet();
    const event = sqsEvent([{ id: 'msg-poison', body }]);

    // Act
    const response = await worker(deps)(event, context());

    // Assess
    expect(failedIds(response, event)).toEqual([]);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(mocks.dynamo.calls()).toHaveLength(0);
    expect(mocks.s3.calls()).toHaveLength(0);
    expect(mocks.sqs.calls()).toHaveLength(0);
    expect(http.calls).toHaveLength(0);
  });

  it('acknowledges a poison record next to a unit that fails, reporting only the unit', async () => {
    // Prepare
    const { rows } = await plannedRun('wk-poison-mix', 1);
    const { mocks, deps } = mockedFleet();
    mocks.dynamo.on(UpdateCommand).rejects(throttled());
    const event = sqsEvent([{ id: 'msg-poison', body: 'not json' }, messageOf(rows[0] as UnitRow)]);

    // Act
    const response = await worker(deps)(event, context());

    // Assess: one claim (the unit's), none for the poison record
    expect(failedIds(response, event)).toEqual(['msg-b0001']);
    expect(mocks.dynamo.commandCalls(UpdateCommand).map((c) => sortKeyOf(c.args[0].input))).toEqual(['UNIT#b0001']);
    expect(mocks.dynamo.calls()).toHaveLength(1);
  });
});

describe('worker handler: a unit held by a live worker, a unit already done', () => {
  it.each([
    ['real DynamoDB (the blocking row comes back with the error, ALL_OLD)', true],
    ['dynalite (no item with the error: the status is read)', false],
  ])('busy comes back later, DONE is acknowledged; no request, no upload: %s', async (_name, allOld) => {
    // Prepare: b0001 is CLAIMED under a live lease, b0002 is DONE
    const { rows } = await plannedRun(allOld ? 'wk-held-old' : 'wk-held-read', 2);
    const { mocks, deps, http } = mockedFleet();
    const statusOf: Record<string, string> = { 'UNIT#b0001': 'CLAIMED', 'UNIT#b0002': 'DONE' };
    mocks.dynamo.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
      const status = statusOf[sortKeyOf(input)] as string;
      const Item = allOld ? { status: { S: status }, leaseUntil: { N: String(deps.clock.now() + 10_000) } } : undefined;
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 }, Item });
    });
    mocks.dynamo.on(GetCommand).callsFake((input: GetCommandInput) => ({ Item: { status: statusOf[sortKeyOf(input)] } }));
    const event = sqsEvent(rows.map(messageOf));

    // Act
    const response = await worker(deps)(event, context());

    // Assess
    expect(failedIds(response, event)).toEqual(['msg-b0001']);
    expect(mocks.dynamo.commandCalls(UpdateCommand).map((c) => sortKeyOf(c.args[0].input)).sort()).toEqual(['UNIT#b0001', 'UNIT#b0002']);
    // With ALL_OLD no read is needed; without it, one consistent read of each unit's status (never the run)
    const reads = mocks.dynamo.commandCalls(GetCommand).map((c) => c.args[0].input);
    expect(reads.map((r) => sortKeyOf(r)).sort()).toEqual(allOld ? [] : ['UNIT#b0001', 'UNIT#b0002']);
    expect(reads.every((r) => r.ConsistentRead === true)).toBe(true);
    expect(http.calls).toHaveLength(0);
    expect(mocks.s3.calls()).toHaveLength(0);
    expect(mocks.sqs.calls()).toHaveLength(0);
  });

  it('end to end over a store: a redelivered DONE unit is not run again, a held one is, once its lease expires', async () => {
    // Prepare: the plan step's rows; b0002 runs once through the handler
    const { store, rows } = await plannedRun('wk-held-store', 2);
    const { clock, http } = scriptedTarget();
    const handler = worker(memoryFleet(store, clock, http));
    const first = sqsEvent([messageOf(rows[1] as UnitRow)]);
    expect(failedIds(await handler(first, context()), first)).toEqual([]);
    expect(http.calls).toHaveLength(1);
    // another worker, alive, holds b0001
    const other = await store.claimUnit('wk-held-store', 'b0001', clock.now(), leaseMsFor(FLEET.workerTimeoutMs));
    expect(other.status).toBe('claimed');

    // Act: both are delivered (b0002 a second time)
    const event: SQSEvent = sqsEvent(rows.map(messageOf));
    const response = await handler(event, context());

    // Assess: the held unit comes back, the done one is acknowledged; nothing sent, nothing changed
    expect(failedIds(response, event)).toEqual(['msg-b0001']);
    expect(http.calls).toHaveLength(1);
    const after = await store.listUnits('wk-held-store');
    expect(after.map((r) => [r.unit.unitId, r.status, r.attempts, r.worker])).toEqual([
      ['b0001', 'CLAIMED', 1, undefined],
      ['b0002', 'DONE', 1, WORKER_ID],
    ]);

    // Act: the other worker is gone; after its lease, b0001 comes back and is taken over
    await clock.advance(leaseMsFor(FLEET.workerTimeoutMs) + 1);
    const later = sqsEvent([messageOf(rows[0] as UnitRow)]);
    const retried = await handler(later, context());

    // Assess
    expect(failedIds(retried, later)).toEqual([]);
    expect(http.calls).toHaveLength(2);
    expect((await store.listUnits('wk-held-store')).map((r) => [r.unit.unitId, r.status, r.attempts])).toEqual([
      ['b0001', 'DONE', 2],
      ['b0002', 'DONE', 1],
    ]);
  });
});
