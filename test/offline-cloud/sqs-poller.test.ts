import { createHash } from 'node:crypto';
import {
  CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { offlineSignal, SqsEventSourcePoller, type SqsEventSourcePollerOptions } from '../helpers/offline-cloud/index.ts';

let server: FauxqsServer;
let sqs: SQSClient;
let queues = 0;

beforeAll(async () => {
  server = await startFauxqs({ port: 0, logger: false });
  sqs = new SQSClient({ endpoint: server.address, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});

afterAll(async () => {
  sqs.destroy();
  await server.stop();
});

/** A fresh queue (1 s visibility timeout) with a DLQ after 3 receives. */
async function makeQueue(): Promise<{ url: string; arn: string; dlqUrl: string }> {
  const n = ++queues;
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `work-${n}-dlq` }));
  const dlqArn = await arnOf(dlq.QueueUrl as string);
  const main = await sqs.send(new CreateQueueCommand({
    QueueName: `work-${n}`,
    Attributes: { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }) },
  }));
  return { url: main.QueueUrl as string, arn: await arnOf(main.QueueUrl as string), dlqUrl: dlq.QueueUrl as string };
}

async function arnOf(url: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return out.Attributes?.QueueArn as string;
}

async function send(url: string, bodies: string[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += 10) {
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: bodies.slice(i, i + 10).map((body, n) => ({ Id: String(n), MessageBody: body })) }));
  }
}

const bodies = (n: number): string[] => Array.from({ length: n }, (_, i) => `m-${i}`);

type Delivery = { body: string; count: number; env: string };

/** Starts a poller on a fresh queue, runs `fill`, waits until drained, stops; returns what was delivered. */
async function drain(options: Partial<SqsEventSourcePollerOptions> & Pick<SqsEventSourcePollerOptions, 'handler'>, messages: string[]) {
  const queue = await makeQueue();
  const deliveries: Delivery[] = [];
  const events: SQSEvent[] = [];
  const handler = options.handler;
  const poller = new SqsEventSourcePoller({
    sqs, queueUrl: queue.url, batchSize: 10, maxConcurrency: 2, functionTimeoutMs: 5000, ...options,
    handler: async (event, context) => {
      events.push(event);
      for (const r of event.Records) deliveries.push({ body: r.body, count: Number(r.attributes.ApproximateReceiveCount), env: context.logStreamName });
      return handler(event, context);
    },
  });
  await poller.start();
  try {
    await send(queue.url, messages);
    await poller.drained({ timeoutMs: 15_000 });
  } finally {
    await poller.stop();
  }
  const dlq = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }));
  const countsOf = (body: string): number[] => deliveries.filter((d) => d.body === body).map((d) => d.count);
  return { queue, poller, deliveries, events, countsOf, dlq: (dlq.Messages ?? []).map((m) => m.Body) };
}

const byBody = (event: SQSEvent, body: string): SQSRecord | undefined => event.Records.find((r) => r.body === body);
const ok = async (): Promise<void> => undefined;

// Every test has its own queue, so all of them run at once (visibility timeouts dominate).
vi.setConfig({ maxConcurrency: 16 });
describe.concurrent('Class: SqsEventSourcePoller (against fauxqs)', () => {
  describe('HAPPY PATH', () => {
    it('handles 25 messages exactly once in batches of at most 10 and deletes them all', async ({ expect }) => {
      // Act
      const { deliveries, events, poller, dlq } = await drain({ handler: ok }, bodies(25));

      // Assess
      expect(deliveries.map((d) => d.body).sort()).toEqual(bodies(25).sort());
      expect(deliveries.every((d) => d.count === 1)).toBe(true);
      expect(events.every((e) => e.Records.length <= 10)).toBe(true);
      expect(poller.counters).toMatchObject({ invocations: events.length, records: 25, deleted: 25, failedRecords: 0 });
      expect(events.length).toBeGreaterThanOrEqual(3);
      expect(dlq).toEqual([]);
    });

    it('builds real-shaped SQS records', async ({ expect }) => {
      // Prepare
      const queue = await makeQueue();
      const seen: SQSEvent[] = [];
      const poller = new SqsEventSourcePoller({ sqs, queueUrl: queue.url, batchSize: 10, maxConcurrency: 1, functionTimeoutMs: 5000, handler: async (e) => { seen.push(e); } });
      await sqs.send(new SendMessageCommand({
        QueueUrl: queue.url, MessageBody: '{"hello":"world"}',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'greeting' }, blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) } },
      }));

      // Act
      await poller.start();
      await poller.drained();
      await poller.stop();

      // Assess
      const record = seen[0]?.Records[0] as SQSRecord;
      expect(record).toMatchObject({
        body: '{"hello":"world"}', eventSource: 'aws:sqs', eventSourceARN: queue.arn, awsRegion: 'us-east-1',
        md5OfBody: createHash('md5').update('{"hello":"world"}').digest('hex'),
        attributes: { ApproximateReceiveCount: '1', SenderId: expect.any(String) },
        messageAttributes: {
          kind: { stringValue: 'greeting', dataType: 'String', stringListValues: [], binaryListValues: [] },
          blob: { binaryValue: 'AQID', dataType: 'Binary' },
        },
      });
      expect(record.messageId).toMatch(/\S/);
      expect(record.receiptHandle).toMatch(/\S/);
      expect(Number(record.attributes.SentTimestamp)).toBeGreaterThan(0);
    });

    it('redelivers only the records reported in batchItemFailures, with rising ApproximateReceiveCount', async ({ expect }) => {
      // Act
      const { countsOf, poller, dlq } = await drain({
        handler: async (event) => {
          const seven = byBody(event, 'm-7');
          return { batchItemFailures: seven && Number(seven.attributes.ApproximateReceiveCount) < 3 ? [{ itemIdentifier: seven.messageId }] : [] };
        },
      }, bodies(12));

      // Assess
      expect(countsOf('m-7')).toEqual([1, 2, 3]);
      for (const body of bodies(12).filter((b) => b !== 'm-7')) expect(countsOf(body)).toEqual([1]);
      expect(poller.counters).toMatchObject({ deleted: 12, failedRecords: 2 });
      expect(poller.invocations.filter((i) => i.outcome === 'partial')).toHaveLength(2);
      expect(dlq).toEqual([]);
    });

    it('ignores batchItemFailures when ReportBatchItemFailures is off', async ({ expect }) => {
      // Act
      const { countsOf, poller } = await drain({
        reportBatchItemFailures: false,
        handler: async (event) => ({ batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) }),
      }, bodies(3));

      // Assess
      expect(bodies(3).map(countsOf)).toEqual([[1], [1], [1]]);
      expect(poller.counters.deleted).toBe(3);
    });

    it('gives the handler a context whose remaining time counts down from the function timeout', async ({ expect }) => {
      // Prepare
      const remaining: Array<[number, number]> = [];
      const ids: string[] = [];

      // Act
      await drain({
        batchSize: 1, functionTimeoutMs: 4000,
        handler: async (_event, context) => {
          ids.push(context.awsRequestId);
          const first = context.getRemainingTimeInMillis();
          await new Promise((resolve) => setTimeout(resolve, 100));
          remaining.push([first, context.getRemainingTimeInMillis()]);
        },
      }, bodies(2));

      // Assess
      expect(remaining).toHaveLength(2);
      for (const [first, later] of remaining) {
        expect(first).toBeLessThanOrEqual(4000);
        expect(first).toBeGreaterThan(3000);
        expect(first - later).toBeGreaterThanOrEqual(90);
      }
      expect(new Set(ids).size).toBe(2);
    });

    it('runs each concurrent slot in its own warm environment (distinct, reused logStreamName)', async ({ expect }) => {
      // Prepare: the first invocation holds its slot until a second one starts elsewhere
      let started = 0;
      let release: () => void = () => undefined;
      const bothIn = new Promise<void>((resolve) => { release = resolve; });

      // Act
      const { deliveries } = await drain({
        batchSize: 1,
        handler: async () => {
          started += 1;
          if (started === 2) release();
          if (started === 1) await Promise.race([bothIn, new Promise((resolve) => setTimeout(resolve, 5000))]);
        },
      }, bodies(8));

      // Assess
      const envs = deliveries.map((d) => d.env);
      expect(envs[0]).not.toBe(envs[1]);
      expect(new Set(envs).size).toBe(2);
    });
  });

  describe('UNHAPPY PATH', () => {
    it('redelivers the whole batch when the handler throws', async ({ expect }) => {
      // Act
      let calls = 0;
      const { events, countsOf, poller } = await drain({ handler: async () => { calls += 1; if (calls === 1) throw new Error('boom'); } }, bodies(5));

      // Assess
      const failed = new Set(events[0]?.Records.map((r) => r.body));
      expect(failed.size).toBeGreaterThan(0);
      for (const body of bodies(5)) expect(countsOf(body)).toEqual(failed.has(body) ? [1, 2] : [1]);
      expect(poller.counters).toMatchObject({ failedInvocations: 1, deleted: 5, failedRecords: failed.size });
      expect(poller.invocations[0]).toMatchObject({ outcome: 'error', error: expect.objectContaining({ message: 'boom' }) });
    });

    it.for([
      ['an empty itemIdentifier', [{ itemIdentifier: '' }]],
      ['an unknown itemIdentifier', [{ itemIdentifier: 'not-a-message-id' }]],
      ['a missing itemIdentifier', [{}]],
      ['a non-list', 'm-0'],
    ] as const)('redelivers the whole batch when batchItemFailures holds %s', async ([, batchItemFailures], { expect }) => {
      // Act
      let calls = 0;
      const { events, countsOf, poller } = await drain({
        handler: async () => { calls += 1; return calls === 1 ? { batchItemFailures } as never : undefined; },
      }, bodies(4));

      // Assess
      const failed = new Set(events[0]?.Records.map((r) => r.body));
      for (const body of bodies(4)) expect(countsOf(body)).toEqual(failed.has(body) ? [1, 2] : [1]);
      expect(poller.invocations.find((i) => i.outcome === 'malformed')?.failedIds).toHaveLength(failed.size);
    });

    it('moves a poison message to the DLQ after 3 receives', async ({ expect }) => {
      // Act
      const { countsOf, dlq, poller } = await drain({
        handler: async (event) => ({ batchItemFailures: event.Records.filter((r) => r.body === 'poison').map((r) => ({ itemIdentifier: r.messageId })) }),
      }, ['a', 'poison', 'b']);

      // Assess
      expect(countsOf('poison')).toEqual([1, 2, 3]);
      expect([countsOf('a'), countsOf('b')]).toEqual([[1], [1]]);
      expect(dlq).toEqual(['poison']);
      expect(poller.counters).toMatchObject({ deleted: 2, failedRecords: 3 });
    });

    it('abandons a crashed invocation: aborts its signal, deletes nothing, recycles the environment', async ({ expect }) => {
      // Prepare
      const signals: AbortSignal[] = [];
      let crashes = 0;

      // Act
      const { countsOf, deliveries, poller } = await drain({
        batchSize: 1, maxConcurrency: 1,
        crashWhen: (event) => event.Records[0]?.body === 'm-1' && crashes++ === 0,
        handler: async (_event, context) => { signals.push(offlineSignal(context) as AbortSignal); },
      }, bodies(3));

      // Assess
      expect(countsOf('m-1')).toEqual([1, 2]);
      expect(poller.counters.crashes).toBe(1);
      expect(signals.filter((s) => s.aborted)).toHaveLength(1);
      const [crashed, retried] = deliveries.filter((d) => d.body === 'm-1');
      expect(retried?.env).not.toBe(crashed?.env);
    });

    it('fails an invocation that outlives the function timeout and redelivers its batch', async ({ expect }) => {
      // Prepare
      let calls = 0;

      // Act
      const { countsOf, poller } = await drain({
        batchSize: 1, maxConcurrency: 1, functionTimeoutMs: 300,
        handler: async (_event, context) => {
          calls += 1;
          if (calls > 1) return;
          const signal = offlineSignal(context) as AbortSignal;
          await new Promise((resolve) => signal.addEventListener('abort', resolve));
        },
      }, ['slow']);

      // Assess
      expect(countsOf('slow')).toEqual([1, 2]);
      expect(poller.counters.timeouts).toBe(1);
      expect(poller.invocations.map((i) => i.outcome)).toEqual(['timeout', 'ok']);
    });
  });
});
