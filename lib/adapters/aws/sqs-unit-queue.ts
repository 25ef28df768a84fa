import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { MessageAttributeValue, SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import type { UnitQueue } from '../../core/fleet/ports.ts';
import type { Unit } from '../../core/units.ts';
import { UnitTooLargeError } from './errors.ts';
import { backoff, mapLimit, resolveBatchRetry } from './retry.ts';
import type { BatchRetryOptions, ResolvedBatchRetry } from './retry.ts';

/** Largest SQS message (body plus attributes) and largest SendMessageBatch payload: 1 MiB. */
export const SQS_MAX_MESSAGE_BYTES = 1024 * 1024;
/** SendMessageBatch takes at most 10 entries. */
const BATCH_MAX_ENTRIES = 10;
/** SQS delays a message by at most 15 minutes. */
const MAX_DELAY_SECONDS = 900;
const DEFAULT_RETRY: ResolvedBatchRetry = { attempts: 5, baseDelayMs: 100, maxDelayMs: 2_000 };

/** A batch entry SQS refused for good (or after every retry). */
export interface RefusedUnit {
  readonly unitId: string;
  readonly code: string;
  readonly message?: string | undefined;
  /** True when SQS blamed the request (not retried); false when it gave up on a server-side failure. */
  readonly senderFault: boolean;
}

/** Options of `SqsUnitQueue`. */
export interface SqsUnitQueueOptions {
  /** SQS client; build it with `awsClients()`. */
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** Retries of entries failed without sender fault (default 5 calls, 100 ms base, 2 s cap, full jitter). */
  readonly retry?: BatchRetryOptions | undefined;
  /** SendMessageBatch calls in flight at once (default 8). */
  readonly concurrency?: number | undefined;
  /** Told about each unit left out of the result, so the caller can log why. */
  readonly onRefused?: ((refused: RefusedUnit) => void) | undefined;
}

interface Message {
  readonly unitId: string;
  readonly body: string;
  readonly attributes: Record<string, MessageAttributeValue>;
  readonly bytes: number;
}

/**
 * `SqsUnitQueue` sends units to the fleet's SQS queue in SendMessageBatch calls (at most 10 entries
 * and 1 MiB each). Entries SQS failed on its side are re-sent alone with backoff; entries it refused
 * as the sender's fault are not (they would fail again) and are left out of the result. Whole-call
 * errors (network, throttling after the SDK's retries, a missing queue) propagate.
 *
 * @example
 * const queue = new SqsUnitQueue({ client: awsClients().sqs, queueUrl: process.env.UNIT_QUEUE_URL! });
 * const sent = await queue.send(units);
 */
export class SqsUnitQueue implements UnitQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;
  private readonly retry: ResolvedBatchRetry;
  private readonly concurrency: number;
  private readonly onRefused: ((refused: RefusedUnit) => void) | undefined;

  constructor(options: SqsUnitQueueOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
    this.retry = resolveBatchRetry(options.retry, DEFAULT_RETRY);
    this.concurrency = options.concurrency ?? 8;
    this.onRefused = options.onRefused;
  }

  async send(units: readonly Unit[], delaySeconds = 0): Promise<string[]> {
    const delay = clampDelay(delaySeconds);
    // Every unit is checked before anything is sent, so an oversized unit fails the call cleanly.
    const messages = units.map((unit) => toMessage(unit));
    const accepted = await mapLimit(pack(messages), this.concurrency, (batch) => this.sendBatch(batch, delay));
    const ids = new Set(accepted.flat());
    return units.filter((unit) => ids.has(unit.unitId)).map((unit) => unit.unitId);
  }

  /** Sends one batch, re-sending only its retryable failures; resolves with the unit ids SQS accepted. */
  private async sendBatch(batch: readonly Message[], delaySeconds: number): Promise<string[]> {
    const accepted: string[] = [];
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const entries: SendMessageBatchRequestEntry[] = pending.map((message, i) => ({
        Id: String(i),
        MessageBody: message.body,
        DelaySeconds: delaySeconds,
        MessageAttributes: message.attributes,
      }));
      const out = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }));
      const succeeded = new Set((out.Successful ?? []).map((ok) => ok.Id));
      const failures = new Map((out.Failed ?? []).map((failed) => [failed.Id, failed]));
      const retryable: Message[] = [];
      for (const [i, message] of pending.entries()) {
        const id = String(i);
        if (succeeded.has(id)) {
          accepted.push(message.unitId);
          continue;
        }
        const failed = failures.get(id);
        if (failed?.SenderFault) {
          this.onRefused?.({ unitId: message.unitId, code: failed.Code ?? 'unknown', message: failed.Message, senderFault: true });
        } else if (attempt < this.retry.attempts) {
          // Failed on SQS's side, or missing from both lists: worth another try.
          retryable.push(message);
        } else {
          this.onRefused?.({ unitId: message.unitId, code: failed?.Code ?? 'unknown', message: failed?.Message, senderFault: false });
        }
      }
      pending = retryable;
      if (pending.length > 0) await backoff(attempt, this.retry);
    }
    return accepted;
  }
}

function clampDelay(delaySeconds: number): number {
  if (!Number.isFinite(delaySeconds)) return 0;
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.round(delaySeconds)));
}

/** The size SQS counts for a unit's message: its JSON body and its attributes (names, types, values). */
export function unitMessageBytes(unit: Unit): number {
  return toMessage(unit, false).bytes;
}

/** The message of a unit: JSON body plus `unitId`/`runId` attributes (for filtering and tracing). */
function toMessage(unit: Unit, check = true): Message {
  const body = JSON.stringify(unit);
  const attributes: Record<string, MessageAttributeValue> = {
    unitId: { DataType: 'String', StringValue: unit.unitId },
    runId: { DataType: 'String', StringValue: unit.runId },
  };
  // SQS counts the attributes' names, types and values in the message size.
  const bytes = Buffer.byteLength(body, 'utf8')
    + Object.entries(attributes).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? ''), 0);
  if (check && bytes > SQS_MAX_MESSAGE_BYTES) {
    throw new UnitTooLargeError(`unit ${unit.unitId} of run ${unit.runId} is ${bytes} bytes as an SQS message, over the ${SQS_MAX_MESSAGE_BYTES}-byte limit`);
  }
  return { unitId: unit.unitId, body, attributes, bytes };
}

/** Groups messages into batches of at most 10 entries and 1 MiB in all, keeping their order. */
function pack(messages: readonly Message[]): Message[][] {
  const batches: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    if (current.length === BATCH_MAX_ENTRIES || (current.length > 0 && bytes + message.bytes > SQS_MAX_MESSAGE_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += message.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
