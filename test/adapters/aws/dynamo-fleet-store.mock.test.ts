import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConditionalCheckFailedException, DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BatchWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsClients } from '../../../lib/adapters/aws/clients.ts';
import { DynamoFleetStore } from '../../../lib/adapters/aws/dynamo-fleet-store.ts';
import { RunExistsError } from '../../../lib/core/fleet/errors.ts';
import type { RunRecord } from '../../../lib/core/fleet/ports.ts';
import type { BatchUnit } from '../../../lib/core/units.ts';

// Paths the emulators cannot produce: partial batches, throttling, DynamoDB's ALL_OLD on a failed condition.

const TABLE = 'fleet';
const RUN_ID = 'run-1';
const T0 = Date.UTC(2025, 0, 1);
const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 4 };

const run: RunRecord = { runId: RUN_ID, plan: {}, kind: 'custom', status: 'RUNNING', createdAt: T0, startAt: T0, deadline: T0 + 60_000, unitsPlanned: 20, warnings: [] };

function units(count: number): BatchUnit[] {
  return Array.from({ length: count }, (_, n) => ({ kind: 'batch', runId: RUN_ID, unitId: `u-${n}`, indices: [n] }));
}

type WriteRequests = NonNullable<BatchWriteCommandInput['RequestItems']>[string];

function sortKeys(requests: WriteRequests): string[] {
  return requests.map((request) => String(request.PutRequest?.Item?.sk));
}

/** A client no test can send to AWS with: the mock stubs `send`, and the endpoint is a closed loopback port. */
function offlineDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
}

describe('Class: DynamoFleetStore (mocked DynamoDB)', () => {
  const client = offlineDocumentClient();
  const mock = mockClient(client);
  beforeEach(() => {
    mock.reset();
    mock.on(PutCommand).resolves({});
  });

  describe('HAPPY PATH', () => {
    it('re-sends UnprocessedItems until DynamoDB takes them all', async () => {
      // Prepare: the first call leaves 5 items, the second 2 of those, the third takes the rest.
      const written: string[] = [];
      let call = 0;
      mock.on(BatchWriteCommand).callsFake((input: BatchWriteCommandInput) => {
        const requests = input.RequestItems?.[TABLE] ?? [];
        const keep = [5, 2, 0][call++] ?? 0;
        const left = requests.slice(requests.length - keep);
        written.push(...sortKeys(requests.slice(0, requests.length - keep)));
        return { UnprocessedItems: left.length > 0 ? { [TABLE]: left } : {} };
      });
      const store = new DynamoFleetStore({ client, tableName: TABLE, batchRetry: FAST_RETRY });

      // Act
      await store.createRun(run, units(20));

      // Assess
      const calls = mock.commandCalls(BatchWriteCommand);
      expect(calls).toHaveLength(3);
      expect(calls.map((c) => c.args[0].input.RequestItems?.[TABLE]?.length)).toEqual([20, 5, 2]);
      expect(written.sort()).toEqual(units(20).map((u) => `UNIT#${u.unitId}`).sort());
    });

    it('writes units in batches of 25', async () => {
      mock.on(BatchWriteCommand).resolves({});
      const store = new DynamoFleetStore({ client, tableName: TABLE });
      await store.createRun(run, units(60));
      expect(mock.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.[TABLE]?.length).sort()).toEqual([10, 25, 25]);
    });

    it('answers a failed claim from the item DynamoDB returns with the error, without reading', async () => {
      const store = new DynamoFleetStore({ client, tableName: TABLE });
      mock.on(UpdateCommand).rejectsOnce(new ConditionalCheckFailedException({ message: 'failed', $metadata: {}, Item: { status: { S: 'DONE' } } }))
        .rejectsOnce(new ConditionalCheckFailedException({ message: 'failed', $metadata: {}, Item: { status: { S: 'CLAIMED' }, leaseUntil: { N: String(T0 + 1) } } }));
      expect(await store.claimUnit(RUN_ID, 'u-0', T0, 1_000)).toEqual({ status: 'done' });
      expect(await store.claimUnit(RUN_ID, 'u-0', T0, 1_000)).toEqual({ status: 'busy' });
      expect(mock.commandCalls(GetCommand)).toHaveLength(0);
      expect(mock.commandCalls(UpdateCommand)[0]?.args[0].input.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    });
  });

  describe('SAD PATH', () => {
    it('gives up with a clear error when items stay unprocessed', async () => {
      mock.on(BatchWriteCommand).callsFake((input: BatchWriteCommandInput) => ({ UnprocessedItems: input.RequestItems }));
      const store = new DynamoFleetStore({ client, tableName: TABLE, batchRetry: FAST_RETRY });
      await expect(store.createRun(run, units(5))).rejects.toThrow(`5 of 5 unit rows of run ${RUN_ID} were still unprocessed after 8 BatchWriteItem calls`);
      expect(mock.commandCalls(BatchWriteCommand)).toHaveLength(8);
      await expect(store.createRun(run, units(5))).rejects.toMatchObject({ name: 'WriteIncompleteError', code: 'DYNAMO_WRITE_INCOMPLETE' });
    });

    it('turns a refused run row into RunExistsError, keeping DynamoDB\'s error as its cause', async () => {
      const refused = new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
      mock.on(PutCommand).rejects(refused);
      const store = new DynamoFleetStore({ client, tableName: TABLE });
      const error = await store.createRun(run, units(1)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RunExistsError);
      expect(error).toMatchObject({ code: 'RUN_EXISTS', runId: RUN_ID, message: `run ${RUN_ID} already exists`, cause: refused });
      expect(mock.commandCalls(BatchWriteCommand)).toHaveLength(0);
    });

    it('says so when a claim comes back without its attempt count', async () => {
      mock.on(UpdateCommand).resolves({ Attributes: {} });
      const store = new DynamoFleetStore({ client, tableName: TABLE });
      await expect(store.claimUnit(RUN_ID, 'u-0', T0, 1_000)).rejects.toMatchObject({
        name: 'UnexpectedResponseError', code: 'AWS_RESPONSE_UNEXPECTED', message: `claim of unit u-0 of run ${RUN_ID} returned no attempt count`,
      });
    });

    it('lets throttling errors through instead of retrying or hiding them', async () => {
      const throttled = new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} });
      mock.on(UpdateCommand).rejects(throttled);
      mock.on(PutCommand).rejects(throttled);
      const store = new DynamoFleetStore({ client, tableName: TABLE });
      await expect(store.claimUnit(RUN_ID, 'u-0', T0, 1_000)).rejects.toThrow(throttled);
      await expect(store.requestStop(RUN_ID, 'why')).rejects.toThrow(throttled);
      await expect(store.createRun(run, units(1))).rejects.toThrow(throttled);
      expect(mock.commandCalls(UpdateCommand)).toHaveLength(2);
      expect(mock.commandCalls(BatchWriteCommand)).toHaveLength(0);
    });
  });
});

describe('Class: DynamoFleetStore (throttled by a loopback server)', () => {
  let server: Server;
  let requests: number;
  beforeEach(async () => {
    requests = 0;
    // Answers every DynamoDB call as a throttled one, as DynamoDB's JSON protocol does.
    server = createServer((req, res) => {
      requests++;
      req.resume();
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'Rate exceeded' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  // Small budgets keep the test fast: the SDK's throttling backoff before a retry is up to 1 s.
  it.each([1, 2])('surfaces ProvisionedThroughputExceededException after the SDK spent maxAttempts %i', async (maxAttempts) => {
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { dynamo } = awsClients({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts });
    const store = new DynamoFleetStore({ client: dynamo, tableName: TABLE });
    await expect(store.getRun(RUN_ID)).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    expect(requests).toBe(maxAttempts);
    dynamo.destroy();
  });
});
