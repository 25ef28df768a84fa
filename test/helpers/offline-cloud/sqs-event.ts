// Shapes SQS ReceiveMessage output into the event Lambda's SQS event source mapping delivers, and
// judges a handler's batch response the way Lambda does (ReportBatchItemFailures).
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttribute, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

const b64 = (bytes: Uint8Array | undefined): string | undefined => (bytes ? Buffer.from(bytes).toString('base64') : undefined);

function toLambdaAttribute(value: MessageAttributeValue): SQSMessageAttribute {
  const attribute: SQSMessageAttribute = {
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map((v) => b64(v) as string),
    dataType: value.DataType ?? 'String',
  };
  if (value.StringValue !== undefined) attribute.stringValue = value.StringValue;
  const binary = b64(value.BinaryValue);
  if (binary !== undefined) attribute.binaryValue = binary;
  return attribute;
}

/** One received SQS message as a Lambda `SQSRecord`. */
export function toSqsRecord(message: Message, queueArn: string): SQSRecord {
  const region = queueArn.split(':')[3] ?? 'us-east-1';
  const system = message.Attributes ?? {};
  const attributes: SQSRecordAttributes = {
    ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
    SentTimestamp: system.SentTimestamp ?? String(Date.now()),
    SenderId: system.SenderId ?? 'AIDAOFFLINE',
    ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  };
  for (const key of ['AWSTraceHeader', 'SequenceNumber', 'MessageGroupId', 'MessageDeduplicationId', 'DeadLetterQueueSourceArn'] as const) {
    const value = system[key];
    if (value !== undefined) attributes[key] = value;
  }
  const record: SQSRecord = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes,
    messageAttributes: Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [k, toLambdaAttribute(v)])),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes;
  return record;
}

/** A batch of received messages as the `SQSEvent` a Lambda function gets. */
export function toSqsEvent(messages: readonly Message[], queueArn: string): SQSEvent {
  return { Records: messages.map((m) => toSqsRecord(m, queueArn)) };
}

/** How Lambda reads a handler's response: which records to keep, or the whole batch failed. */
export type BatchVerdict = { kind: 'ok'; failedIds: ReadonlySet<string> } | { kind: 'malformed'; reason: string };

/**
 * Judges a successful handler's response as Lambda does with ReportBatchItemFailures: a missing or
 * null response / list is full success; a non-list, or an entry with a null, empty or unknown
 * `itemIdentifier`, fails the whole batch.
 */
export function judgeBatchResponse(response: unknown, event: SQSEvent): BatchVerdict {
  const failures = (response as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'ok', failedIds: new Set() };
  if (!Array.isArray(failures)) return { kind: 'malformed', reason: 'batchItemFailures is not a list' };
  const known = new Set(event.Records.map((r) => r.messageId));
  const failedIds = new Set<string>();
  for (const entry of failures as unknown[]) {
    const id = (entry as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !known.has(id)) {
      return { kind: 'malformed', reason: `invalid itemIdentifier ${JSON.stringify(id)}` };
    }
    failedIds.add(id);
  }
  return { kind: 'ok', failedIds };
}
