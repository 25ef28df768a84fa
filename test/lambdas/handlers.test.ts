import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import type { PutObjectCommandInput } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SendMessageBatchCommandInput, SendMessageBatchCommandOutput } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BatchWriteCommandInput, PutCommandInput, UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DynamoFleetStore } from '../../lib/adapters/aws/dynamo-fleet-store.ts';
import { runToItem, unitToItem } from '../../lib/adapters/aws/fleet-table.ts';
import type { FleetItem } from '../../lib/adapters/aws/fleet-table.ts';
import { S3ObjectStore } from '../../lib/adapters/aws/s3-object-store.ts';
import { SqsUnitQueue } from '../../lib/adapters/aws/sqs-unit-queue.ts';
import type { RefusedUnit } from '../../lib/adapters/aws/sqs-unit-queue.ts';
import { MemoryObjectStore } from '../../lib/adapters/local/memory-object-store.ts';
import { MemoryUnitQueue } from '../../lib/adapters/local/memory-unit-queue.ts';
import type { RunRecord, UnitRow } from '../../lib/core/fleet/ports.ts';
import { DispatchIncompleteError, InvalidPlanError } from '../../lib/runtime/fleet/errors.ts';
import type { FleetState } from '../../lib/runtime/fleet/state.ts';
import { makeAggregateHandler } from '../../lambdas/aggregate.ts';
import { makeDispatchHandler } from '../../lambdas/dispatch.ts';
import { makePlanHandler } from '../../lambdas/plan.ts';
import type { FleetDeps } from '../../lambdas/shared/fleet-deps.ts';
import { makeWorkerHandler } from '../../lambdas/worker.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { createLambdaContext } from '../helpers/offline-cloud/lambda-context.ts';
import {
  BUCKET, CREDENTIALS, FLEET, OFFLINE_ENDPOINT, QUEUE_URL, REGION, T0, TABLE, failedIds, offlineClients, pingPlan, plannedRun, scriptedTarget, sqsEvent,
} from './fixtures.ts';

// The step handlers' error paths the emulators cannot produce, on the real AWS adapters with their SDK
// clients stubbed by aws-sdk-client-mock (or, where the SDK's own retry is under test, a fake transport).

const stateOf = (runId: string): FleetState => ({ runId, startAt: new Date(T0 + FLEET.startLeadMs).toISOString(), pollSeconds: 5 });
const unitIdOf = (body: string | undefined): string => (JSON.parse(body ?? '{}') as { unitId: string }).unitId;
const sortKeyOf = (input: { Key?: Record<string, unknown> | undefined }): string => String(input.Key?.sk);

/** Every client and mock of a test; built per test, so no history or behaviour leaks between them. */
function mockedAws(maxAttempts = 1) {
  const clients = offlineClients(maxAttempts);
  return { clients, dynamo: mockClient(clients.dynamo), sqs: mockClient(clients.sqs), s3: mockClient(clients.s3) };
}

describe('dispatch handler: SQS refuses part of a batch (mocked SQS, mocked DynamoDB)', () => {
  /** Answers a SendMessageBatch: entries of `refused` units fail on SQS's side (SenderFault false), the rest succeed. */
  function answer(input: SendMessageBatchCommandInput, refused: ReadonlySet<string>, accepted: string[]): Partial<SendMessageBatchCommandOutput> {
    const entries = input.Entries ?? [];
    const failed = entries.filter((e) => refused.has(unitIdOf(e.MessageBody)));
    const ok = entries.filter((e) => !failed.includes(e));
    accepted.push(...ok.map((e) => unitIdOf(e.MessageBody)));
    return {
      Successful: ok.map((e) => ({ Id: e.Id, MessageId: `m-${unitIdOf(e.MessageBody)}`, MD5OfMessageBody: 'x' })),
      Failed: failed.map((e) => ({ Id: e.Id, SenderFault: false, Code: 'InternalError', Message: 'We encountered an internal error. Please try again.' })),
    };
  }

  it('fails with DispatchIncomplete after the adapter\'s retries, marks only the 10 accepted units sent, and sends exactly the 2 left next time', async () => {
    // Prepare: the plan step's 12 unit rows in a mocked table that keeps `sent`
    const runId = 'dp-partial';
    const { rows } = await plannedRun(runId, 12);
    const aws = mockedAws();
    const table = new Map<string, FleetItem>(rows.map((r) => [`UNIT#${r.unit.unitId}`, unitToItem(runId, r.unit, T0)]));
    aws.dynamo.on(QueryCommand).callsFake(() => ({ Items: [...table.values()].map((item) => ({ ...item })), Count: table.size }));
    aws.dynamo.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
      const item = table.get(sortKeyOf(input));
      if (!item || input.UpdateExpression !== 'SET #sent = :true') throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
      item.sent = true;
      return {};
    });
    const accepted: string[] = [];
    const refusedIds = new Set(['b0003', 'b0011']); // one in each SendMessageBatch of 10 + 2
    aws.sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => answer(input, refusedIds, accepted));
    const refused: RefusedUnit[] = [];
    const deps: FleetDeps = {
      store: new DynamoFleetStore({ client: aws.clients.dynamo, tableName: TABLE }),
      queue: new SqsUnitQueue({ client: aws.clients.sqs, queueUrl: QUEUE_URL, retry: { baseDelayMs: 0, maxDelayMs: 0 }, onRefused: (r) => refused.push(r) }),
      objects: new S3ObjectStore({ client: aws.clients.s3, bucket: BUCKET }),
      fleet: FLEET, env: {}, clock: new FakeClock(T0), http: () => { throw new Error('dispatch sends no HTTP'); },
    };
    const dispatch = makeDispatchHandler(() => deps);
    const sentFlags = () => [...table.values()].filter((item) => item.sent === true).map((item) => String(item.sk).slice('UNIT#'.length)).sort();
    const all = rows.map((r) => r.unit.unitId);
    const accepted10 = all.filter((id) => !refusedIds.has(id));

    // Act
    const error = await dispatch(stateOf(runId)).then(() => undefined, (e: unknown) => e);

    // Assess: the error the state machine retries by name
    expect(error).toBeInstanceOf(DispatchIncompleteError);
    expect((error as Error).name).toBe('DispatchIncomplete');
    expect(error).toMatchObject({ code: 'DISPATCH_INCOMPLETE' });
    expect((error as Error).message).toBe(`2 unit(s) of run ${runId} were refused by the queue`);
    // 2 batches (10 + 2), then each refused entry re-sent alone until the adapter's 5 calls are spent
    const calls = aws.sqs.commandCalls(SendMessageBatchCommand).map((c) => (c.args[0].input.Entries ?? []).map((e) => unitIdOf(e.MessageBody)));
    expect(calls).toHaveLength(10);
    expect(calls.slice(0, 2)).toEqual([all.slice(0, 10), all.slice(10)]);
    expect(calls.slice(2).sort()).toEqual([...Array(4).fill(['b0003']), ...Array(4).fill(['b0011'])]);
    expect(refused.sort((a, b) => a.unitId.localeCompare(b.unitId))).toEqual([
      { unitId: 'b0003', code: 'InternalError', message: 'We encountered an internal error. Please try again.', senderFault: false },
      { unitId: 'b0011', code: 'InternalError', message: 'We encountered an internal error. Please try again.', senderFault: false },
    ]);
    // Only the 10 accepted units were marked sent: one conditional UpdateItem each, none for the refused
    const marks = aws.dynamo.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(marks.map((m) => sortKeyOf(m).slice('UNIT#'.length)).sort()).toEqual(accepted10);
    expect(marks.every((m) => m.ConditionExpression === 'attribute_exists(sk)' && m.TableName === TABLE)).toBe(true);
    expect(sentFlags()).toEqual(accepted10);

    // Act: the state machine retries the step; SQS now takes everything
    aws.sqs.resetHistory();
    aws.dynamo.resetHistory();
    refusedIds.clear();
    const out = await dispatch(stateOf(runId));

    // Assess: exactly the 2 left were sent and marked; over both invocations no unit was accepted twice
    expect(out).toEqual({ ...stateOf(runId), sent: 2 });
    expect(aws.sqs.commandCalls(SendMessageBatchCommand).map((c) => (c.args[0].input.Entries ?? []).map((e) => unitIdOf(e.MessageBody)))).toEqual([['b0003', 'b0011']]);
    expect(aws.dynamo.commandCalls(UpdateCommand).map((c) => sortKeyOf(c.args[0].input)).sort()).toEqual(['UNIT#b0003', 'UNIT#b0011']);
    expect(sentFlags()).toEqual(all);
    expect([...accepted].sort()).toEqual(all);

    // Act: a third run of the step finds nothing left to send
    aws.sqs.resetHistory();
    expect(await dispatch(stateOf(runId))).toEqual({ ...stateOf(runId), sent: 0 });
    expect(aws.sqs.calls()).toHaveLength(0);
  });

  it('rejects a state the orchestrator did not produce before reading anything', async () => {
    const aws = mockedAws();
    const deps: FleetDeps = {
      store: new DynamoFleetStore({ client: aws.clients.dynamo, tableName: TABLE }),
      queue: new SqsUnitQueue({ client: aws.clients.sqs, queueUrl: QUEUE_URL }),
      objects: new S3ObjectStore({ client: aws.clients.s3, bucket: BUCKET }),
      fleet: FLEET, env: {}, clock: new FakeClock(T0), http: () => { throw new Error('no HTTP'); },
    };
    await expect(makeDispatchHandler(() => deps)({ runId: 'x', startAt: 'now' })).rejects.toThrow(/^dispatch: the state machine passed an invalid state: .*pollSeconds/s);
    await expect(makeDispatchHandler(() => deps)({ runId: 'x', startAt: 'now' })).rejects.toMatchObject({ name: 'InvalidFleetStateError', code: 'FLEET_STATE_INVALID' });
    expect(aws.dynamo.calls()).toHaveLength(0);
    expect(aws.sqs.calls()).toHaveLength(0);
  });
});

describe('plan handler: a plan the fleet will not run writes nothing (mocked DynamoDB and S3)', () => {
  function planDeps() {
    const aws = mockedAws();
    aws.dynamo.on(PutCommand).resolves({});
    aws.dynamo.on(BatchWriteCommand).resolves({});
    const deps: FleetDeps = {
      store: new DynamoFleetStore({ client: aws.clients.dynamo, tableName: TABLE }),
      queue: new SqsUnitQueue({ client: aws.clients.sqs, queueUrl: QUEUE_URL }),
      objects: new S3ObjectStore({ client: aws.clients.s3, bucket: BUCKET }),
      fleet: FLEET, env: {}, clock: new FakeClock(T0), http: () => { throw new Error('these plans have no setup steps'); },
    };
    return { aws, plan: makePlanHandler(() => deps) };
  }

  function expectNothingWritten(aws: ReturnType<typeof mockedAws>): void {
    expect(aws.dynamo.commandCalls(PutCommand)).toHaveLength(0);
    expect(aws.dynamo.commandCalls(BatchWriteCommand)).toHaveLength(0);
    expect(aws.dynamo.calls()).toHaveLength(0);
    expect(aws.sqs.calls()).toHaveLength(0);
    expect(aws.s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  }

  async function rejection(promise: Promise<unknown>): Promise<Error> {
    const error = await promise.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidPlanError);
    expect((error as Error).name).toBe('InvalidPlan');
    expect(error).toMatchObject({ code: 'PLAN_REJECTED' });
    return error as Error;
  }

  it('control: a valid plan writes the run row (conditional Put) and its units (one BatchWrite)', async () => {
    const { aws, plan } = planDeps();
    expect(await plan({ plan: pingPlan(3), runId: 'pl-ok' })).toEqual(stateOf('pl-ok'));
    const put = aws.dynamo.commandCalls(PutCommand).map((c) => c.args[0].input as PutCommandInput);
    expect(put.map((p) => [p.Item?.sk, p.ConditionExpression])).toEqual([['RUN', 'attribute_not_exists(pk)']]);
    const batches = aws.dynamo.commandCalls(BatchWriteCommand).map((c) => c.args[0].input as BatchWriteCommandInput);
    expect(batches.map((b) => (b.RequestItems?.[TABLE] ?? []).map((r) => r.PutRequest?.Item?.sk))).toEqual([['UNIT#b0001', 'UNIT#b0002', 'UNIT#b0003']]);
  });

  it('rejects an invalid plan with file:line:col and the key of each error', async () => {
    const { aws, plan } = planDeps();
    const error = await rejection(plan({ plan: 'kind: custom\nname: x\ntarget: { baseUrl: 12 }\nrequests: { ping: { path: /ping } }\nlifecycle: [ { request: ping } ]\nload: { model: burst, count: 0 }\n', runId: 'pl-bad' }));
    expect(error.message.split('\n')).toEqual([
      'input.plan.yaml:3:20  target.baseUrl  baseUrl must be an http(s) URL, e.g. http://127.0.0.1:8080',
      expect.stringMatching(/^input\.plan\.yaml:6:\d+ {2}load\.count {2}/),
    ]);
    expectNothingWritten(aws);
  });

  it('rejects a plan with a wrong duration, naming the nested key and its position', async () => {
    const { aws, plan } = planDeps();
    const text = pingPlan(3).replace('{ method: GET, path: /ping }', '{ method: GET, path: /ping, timeout: soon }');
    const error = await rejection(plan({ plan: text, runId: 'pl-bad-duration' }));
    expect(error.message).toBe('input.plan.yaml:6:56  requests.ping.timeout  invalid duration "soon": use a number with ms, s, m or h, e.g. "500ms", "2s", "5m"');
    expectNothingWritten(aws);
  });

  it('rejects a plan whose target is not on fleet.allowedHosts, naming the host', async () => {
    const { aws, plan } = planDeps();
    const error = await rejection(plan({ plan: pingPlan(3, 'https://api.other.test:8443'), runId: 'pl-host' }));
    expect(error.message).toBe('target host "api.other.test:8443" is not on the stack\'s allowlist (127.0.0.1). Add it to the "loadfleet.allowedHosts" context in cdk.json and redeploy, for a system you own and may load-test.');
    expectNothingWritten(aws);
  });

  it('rejects the metadata address even though it is an IP literal', async () => {
    const { aws, plan } = planDeps();
    const error = await rejection(plan({ plan: pingPlan(3, 'http://169.254.169.254'), runId: 'pl-imds' }));
    expect(error.message).toBe('target host "169.254.169.254" is a cloud metadata address (where instance credentials live): loadfleet never sends to it, even when listed in loadfleet.allowedHosts');
    expectNothingWritten(aws);
  });

  it('rejects a planKey with no object behind it (S3 NoSuchKey), writing nothing', async () => {
    const { aws, plan } = planDeps();
    aws.s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
    const error = await rejection(plan({ planKey: 'plans/nightly.yaml' }));
    expect(error.message).toBe(`no plan at s3://${BUCKET}/plans/nightly.yaml: upload it first (aws s3 cp plan.yaml s3://${BUCKET}/plans/nightly.yaml)`);
    expect(aws.s3.commandCalls(GetObjectCommand).map((c) => [c.args[0].input.Bucket, c.args[0].input.Key])).toEqual([[BUCKET, 'plans/nightly.yaml']]);
    expectNothingWritten(aws);
  });
});

describe('aggregate handler: DynamoDB throttles the unit query (SDK retry, maxAttempts 3)', () => {
  // aws-sdk-client-mock replaces `send`, so the SDK's retry never runs under it. Here the DynamoDB
  // client is real (serialisation, error parsing, retry strategy) over a fake transport that never
  // opens a socket; S3 is stubbed with aws-sdk-client-mock as elsewhere.
  afterEach(() => vi.restoreAllMocks());

  type Attr = { S: string } | { N: string } | { BOOL: boolean } | { L: Attr[] };
  function attr(value: unknown): Attr {
    if (typeof value === 'string') return { S: value };
    if (typeof value === 'number') return { N: String(value) };
    if (typeof value === 'boolean') return { BOOL: value };
    if (Array.isArray(value)) return { L: value.map(attr) };
    throw new Error(`no attribute for ${JSON.stringify(value)}`);
  }
  const marshall = (item: FleetItem) => Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined).map(([k, v]) => [k, attr(v)]));

  interface Exchange { readonly operation: string; readonly request: string; readonly status: number }

  /** A DynamoDB transport answering GetItem (the run), Query (the units; throttled `throttles` times first) and UpdateItem. */
  function fakeDynamo(run: RunRecord, units: readonly UnitRow[], throttles: number) {
    const exchanges: Exchange[] = [];
    let queries = 0;
    const requestHandler = {
      handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
        const operation = String(request.headers['x-amz-target']).replace('DynamoDB_20120810.', '');
        let status = 200;
        let body: unknown = {};
        if (operation === 'GetItem') body = { Item: marshall(runToItem(run)) };
        else if (operation === 'Query' && queries++ < throttles) {
          status = 400;
          body = { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'The level of configured provisioned throughput for the table was exceeded.' };
        } else if (operation === 'Query') {
          const items = units.map((u) => marshall({ ...unitToItem(run.runId, u.unit, T0), status: u.status, attempts: u.attempts, worker: u.worker, result: JSON.stringify(u.result) }));
          body = { Items: items, Count: items.length, ScannedCount: items.length };
        } else if (operation !== 'UpdateItem') throw new Error(`unexpected DynamoDB call ${operation}`);
        exchanges.push({ operation, request: `${request.headers['amz-sdk-request']}`, status });
        return { response: { statusCode: status, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `req-${exchanges.length}` }, body: new TextEncoder().encode(JSON.stringify(body)) } };
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
    };
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: REGION, endpoint: OFFLINE_ENDPOINT, credentials: CREDENTIALS, maxAttempts: 3, requestHandler }),
      { marshallOptions: { removeUndefinedValues: true } },
    );
    return { client, exchanges };
  }

  /** A run whose 2 units ran (DONE, with results) through the real worker handler, over memory adapters. */
  async function finishedRun(runId: string): Promise<{ run: RunRecord; units: UnitRow[] }> {
    const { store, run, rows } = await plannedRun(runId, 2);
    const { clock, http } = scriptedTarget();
    const deps: FleetDeps = { store, queue: new MemoryUnitQueue(), objects: new MemoryObjectStore(BUCKET), fleet: FLEET, env: {}, clock, http: () => http, workerHttp: http };
    const event = sqsEvent(rows.map((r) => ({ id: r.unit.unitId, body: JSON.stringify(r.unit) })));
    expect(failedIds(await makeWorkerHandler(() => deps, () => undefined)(event, createLambdaContext({ timeoutMs: 60_000, logStreamName: 'w-1' })), event)).toEqual([]);
    return { run, units: await store.listUnits(runId) };
  }

  function aggregateDeps(client: DynamoDBDocumentClient) {
    const aws = mockedAws();
    aws.s3.on(PutObjectCommand).resolves({});
    aws.s3.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: false });
    const deps: FleetDeps = {
      store: new DynamoFleetStore({ client, tableName: TABLE }),
      queue: new SqsUnitQueue({ client: aws.clients.sqs, queueUrl: QUEUE_URL }),
      objects: new S3ObjectStore({ client: aws.clients.s3, bucket: BUCKET }),
      fleet: FLEET, env: {}, clock: new FakeClock(T0), http: () => { throw new Error('this plan has no verify steps'); },
    };
    return { s3: aws.s3, aggregate: makeAggregateHandler(() => deps) };
  }

  it('retries a throttled Query once and writes the report to S3 exactly once', async () => {
    // Prepare: no wait between SDK attempts (its backoff is a Math.random draw below 1 s for throttling)
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { run, units } = await finishedRun('ag-throttle');
    const { client, exchanges } = fakeDynamo(run, units, 1);
    const { s3, aggregate } = aggregateDeps(client);

    // Act
    const output = await aggregate(stateOf('ag-throttle'));

    // Assess: the Query's second attempt, by the SDK, within the same call
    expect(exchanges.map((e) => [e.operation, e.status, e.request])).toEqual([
      ['GetItem', 200, 'attempt=1; max=3'],
      ['Query', 400, 'attempt=1; max=3'],
      ['Query', 200, 'attempt=2; max=3'],
      ['UpdateItem', 200, 'attempt=1; max=3'],
    ]);
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input as PutObjectCommandInput);
    expect(puts.filter((p) => p.Key === 'runs/ag-throttle/report.json')).toHaveLength(1);
    expect(puts.map((p) => [p.Bucket, p.Key, p.ContentType])).toEqual([
      [BUCKET, 'runs/ag-throttle/report.json', 'application/json'],
      [BUCKET, 'runs/ag-throttle/events.csv', 'text/csv'],
    ]);
    const report = JSON.parse(String(puts[0]?.Body)) as { runId: string; lifecycles: { planned: number; completed: number }; fleet: unknown };
    expect(report).toMatchObject({ runId: 'ag-throttle', lifecycles: { planned: 2, completed: 2 }, fleet: { units: 2, workers: 1, takeovers: 0 } });
    expect(output).toMatchObject({ runId: 'ag-throttle', status: 'completed', reportUri: `s3://${BUCKET}/runs/ag-throttle/report.json` });
    expect(output.summary).toMatchObject({ planned: 2, completed: 2, failed: 0, dropped: 0, requests: 2, workers: 1, expectationsFailed: [] });
  });

  it('fails when the Query is throttled on every attempt, writing no report and leaving the run as it was', async () => {
    // Prepare
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { run, units } = await finishedRun('ag-throttle-all');
    const { client, exchanges } = fakeDynamo(run, units, 3);
    const { s3, aggregate } = aggregateDeps(client);

    // Act
    const error = await aggregate(stateOf('ag-throttle-all')).then(() => undefined, (e: unknown) => e);

    // Assess: the SDK's 3 attempts, then the throttling error surfaces to the state machine
    expect((error as Error).name).toBe('ProvisionedThroughputExceededException');
    expect(exchanges.map((e) => [e.operation, e.status, e.request])).toEqual([
      ['GetItem', 200, 'attempt=1; max=3'],
      ['Query', 400, 'attempt=1; max=3'],
      ['Query', 400, 'attempt=2; max=3'],
      ['Query', 400, 'attempt=3; max=3'],
    ]);
    expect(s3.calls()).toHaveLength(0);
  });
});
