import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Message, SendMessageBatchCommandInput, SendMessageBatchCommandOutput } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SQS_MAX_MESSAGE_BYTES, SqsUnitQueue } from '../../../lib/adapters/aws/sqs-unit-queue.ts';
import type { RefusedUnit } from '../../../lib/adapters/aws/sqs-unit-queue.ts';
import type { BatchUnit } from '../../../lib/core/units.ts';
import { startAwsEmulators } from '../../helpers/aws-emulators.ts';
import type { AwsEmulators } from '../../helpers/aws-emulators.ts';

const QUEUE_URL = 'http://127.0.0.1:9/000000000000/loadfleet-units';
const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 4 };

function units(count: number, runId = 'run-1'): BatchUnit[] {
  return Array.from({ length: count }, (_, n) => ({ kind: 'batch', runId, unitId: `u-${n}`, indices: [n] }));
}

function unitIdOf(body: string | undefined): string {
  return (JSON.parse(body ?? '{}') as { unitId: string }).unitId;
}

/** Answers a batch, failing the entries whose unit `fail` names (returning its fault), accepting the rest. */
function answer(input: SendMessageBatchCommandInput, fail: (unitId: string) => boolean | undefined): Partial<SendMessageBatchCommandOutput> {
  const entries = input.Entries ?? [];
  const failed = entries.filter((e) => fail(unitIdOf(e.MessageBody)) !== undefined);
  return {
    Successful: entries.filter((e) => !failed.includes(e)).map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: 'x' })),
    Failed: failed.map((e) => ({ Id: e.Id, SenderFault: fail(unitIdOf(e.MessageBody)) ?? false, Code: 'InternalError', Message: 'try again' })),
  };
}

describe('Class: SqsUnitQueue (mocked SQS)', () => {
  const client = new SQSClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const mock = mockClient(client);
  beforeEach(() => mock.reset());

  const sentIds = (call: number) => (mock.commandCalls(SendMessageBatchCommand)[call]?.args[0].input.Entries ?? []).map((e) => unitIdOf(e.MessageBody));

  describe('HAPPY PATH', () => {
    it('re-sends only the 3 entries SQS failed on its side, and all 12 are accepted', async () => {
      // Prepare
      const flaky = new Set(['u-1', 'u-4', 'u-11']);
      mock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => answer(input, (id) => (flaky.delete(id) ? false : undefined)));
      const queue = new SqsUnitQueue({ client, queueUrl: QUEUE_URL, retry: FAST_RETRY });

      // Act
      const accepted = await queue.send(units(12));

      // Assess
      expect(accepted).toEqual(units(12).map((u) => u.unitId));
      expect(mock.commandCalls(SendMessageBatchCommand)).toHaveLength(4);
      expect([sentIds(0).length, sentIds(1).length]).toEqual([10, 2]);
      expect([...sentIds(2), ...sentIds(3)].sort()).toEqual(['u-1', 'u-11', 'u-4']);
    });

    it('numbers entries within each call and carries unitId and runId attributes', async () => {
      mock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => answer(input, () => undefined));
      await new SqsUnitQueue({ client, queueUrl: QUEUE_URL }).send(units(12), 30);
      const second = mock.commandCalls(SendMessageBatchCommand)[1]?.args[0].input;
      expect(second?.QueueUrl).toBe(QUEUE_URL);
      expect(second?.Entries?.[1]).toEqual({
        Id: '1',
        MessageBody: JSON.stringify(units(12)[11]),
        DelaySeconds: 30,
        MessageAttributes: { unitId: { DataType: 'String', StringValue: 'u-11' }, runId: { DataType: 'String', StringValue: 'run-1' } },
      });
    });

    it.each([[5_000, 900], [-3, 0], [2.6, 3], [Number.NaN, 0]])('clamps a delay of %s s to %s s', async (given, sent) => {
      mock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => answer(input, () => undefined));
      await new SqsUnitQueue({ client, queueUrl: QUEUE_URL }).send(units(1), given);
      expect(mock.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0]?.DelaySeconds).toBe(sent);
    });

    it('keeps each batch within 1 MiB in all', async () => {
      mock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => answer(input, () => undefined));
      // ~300 KB each: three fit in a batch, a fourth would not.
      const big = units(7).map((u) => ({ ...u, group: 'g'.repeat(300_000) }));
      expect(await new SqsUnitQueue({ client, queueUrl: QUEUE_URL }).send(big)).toHaveLength(7);
      expect([0, 1, 2].map((call) => sentIds(call).length)).toEqual([3, 3, 1]);
    });
  });

  describe('SAD PATH', () => {
    it('does not retry entries refused as the sender\'s fault, and leaves them out', async () => {
      mock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => answer(input, (id) => (id === 'u-2' ? true : undefined)));
      const refused: RefusedUnit[] = [];
      const queue = new SqsUnitQueue({ client, queueUrl: QUEUE_URL, retry: FAST_RETRY, onRefused: (r) => refused.push(r) });
      expect(await queue.send(units(4))).toEqual(['u-0', 'u-1', 'u-3']);
      expect(mock.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
      expect(refused).toEqual([{ unitId: 'u-2', code: 'InternalError', message: 'try again', senderFault: true }]);
    });

    it('gives up on an entry SQS keeps failing after 5 calls', async () => {
      mock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => answer(input, (id) => (id === 'u-0' ? false : undefined)));
      const refused: RefusedUnit[] = [];
      const queue = new SqsUnitQueue({ client, queueUrl: QUEUE_URL, retry: FAST_RETRY, onRefused: (r) => refused.push(r) });
      expect(await queue.send(units(2))).toEqual(['u-1']);
      expect(mock.commandCalls(SendMessageBatchCommand)).toHaveLength(5);
      expect(refused).toMatchObject([{ unitId: 'u-0', senderFault: false }]);
    });

    it('rejects a unit over 1 MiB before sending anything', async () => {
      const [small, big] = units(2);
      const huge = { ...big, unitId: 'huge', group: 'x'.repeat(SQS_MAX_MESSAGE_BYTES) } as BatchUnit;
      await expect(new SqsUnitQueue({ client, queueUrl: QUEUE_URL }).send([small as BatchUnit, huge])).rejects.toThrow(/unit huge of run run-1 is \d{7} bytes/);
      await expect(new SqsUnitQueue({ client, queueUrl: QUEUE_URL }).send([huge])).rejects.toMatchObject({ name: 'UnitTooLargeError', code: 'UNIT_TOO_LARGE' });
      expect(mock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
    });

    it('lets a whole-call error through', async () => {
      mock.on(SendMessageBatchCommand).rejects(Object.assign(new Error('no such queue'), { name: 'QueueDoesNotExist' }));
      await expect(new SqsUnitQueue({ client, queueUrl: QUEUE_URL }).send(units(1))).rejects.toThrow('no such queue');
      await expect(new SqsUnitQueue({ client, queueUrl: QUEUE_URL }).send(units(1))).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
    });
  });
});

describe('Class: SqsUnitQueue (fauxqs)', () => {
  let aws: AwsEmulators;
  beforeAll(async () => {
    aws = await startAwsEmulators();
  });
  afterAll(async () => {
    await aws?.stop();
  });

  it('delivers 23 units exactly once each', async () => {
    // Prepare
    const queue = new SqsUnitQueue({ client: aws.clients.sqs, queueUrl: aws.queueUrl });

    // Act
    const accepted = await queue.send(units(23), 0);
    const received: Message[] = [];
    for (let round = 0; round < 10; round++) {
      const out = await aws.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: aws.queueUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 0 }));
      const messages = out.Messages ?? [];
      if (messages.length === 0 && received.length >= 23) break;
      received.push(...messages);
      if (messages.length > 0) {
        await aws.clients.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: aws.queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
      }
    }

    // Assess
    expect(accepted).toHaveLength(23);
    const ids = received.map((m) => unitIdOf(m.Body));
    expect(ids.sort()).toEqual(units(23).map((u) => u.unitId).sort());
    expect(received.every((m) => m.MessageAttributes?.unitId?.StringValue === unitIdOf(m.Body) && m.MessageAttributes.runId?.StringValue === 'run-1')).toBe(true);
    const left = aws.fauxqs.inspectQueue('loadfleet-units')?.messages;
    expect([left?.ready.length, left?.delayed.length, left?.inflight.length]).toEqual([0, 0, 0]);
  });
});
