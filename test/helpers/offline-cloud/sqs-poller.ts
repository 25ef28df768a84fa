// Mimics Lambda's SQS event source mapping against any SQS endpoint (fauxqs in tests): concurrent
// pollers, real-shaped events and contexts, partial batch responses, and injectable crashes/timeouts.
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createLambdaContext, type OfflineLambdaContext } from './lambda-context.ts';
import { judgeBatchResponse, toSqsEvent } from './sqs-event.ts';

/** A Lambda SQS handler (ReportBatchItemFailures style). */
export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

/** What `onInvoke` may do to one invocation. */
export interface InvokeDirective {
  /** Use this handler for this invocation only (e.g. one that half-works, then hangs). */
  handler?: SqsBatchHandler;
  /**
   * The execution environment dies: the handler is started but its outcome is abandoned, nothing is
   * deleted (records reappear after the visibility timeout), `context.signal` is aborted and the slot
   * gets a fresh environment. JS cannot kill the handler: it must watch `signal` to stop working.
   */
  crash?: boolean;
  /** With `crash`, how long the handler runs before the environment dies; default 0. */
  crashAfterMs?: number;
}

/** Options for {@link SqsEventSourcePoller}. */
export interface SqsEventSourcePollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** Records per invocation (more than 10 is gathered from several receives). */
  batchSize: number;
  /** Concurrent pollers, each a warm execution environment. */
  maxConcurrency: number;
  handler: SqsBatchHandler;
  /** Function timeout: the context counts down from it; past it the invocation fails. */
  functionTimeoutMs: number;
  /** Long poll of each ReceiveMessage, in seconds; default 1. */
  waitTimeSeconds?: number;
  functionName?: string;
  /** Honour `batchItemFailures` (FunctionResponseTypes ReportBatchItemFailures); default true. */
  reportBatchItemFailures?: boolean;
  /** Builds the handler's context; gets the deadline and the harness's default context. */
  makeContext?: (deadlineMs: number, defaults: OfflineLambdaContext) => Context;
  /** Runs before each invocation (after the event and context are built). */
  beforeInvoke?: (event: SQSEvent, context: OfflineLambdaContext) => void | Promise<void>;
  /** Fault injection per invocation. */
  onInvoke?: (event: SQSEvent, context: OfflineLambdaContext) => InvokeDirective | void;
  /** Shorthand for `onInvoke` returning `{ crash: true }`. */
  crashWhen?: (event: SQSEvent) => boolean;
  /** Receive/delete errors (the poller keeps going); default: ignored. */
  onError?: (error: unknown) => void;
}

/** How an invocation ended. */
export type InvocationOutcome = 'ok' | 'partial' | 'error' | 'malformed' | 'crashed' | 'timeout';

/** One simulated invocation. */
export interface InvocationRecord {
  env: string;
  requestId: string;
  messageIds: string[];
  receiveCounts: number[];
  outcome: InvocationOutcome;
  /** Records not deleted (reported failures, or the whole batch). */
  failedIds: string[];
  error?: unknown;
}

/** Running totals. */
export interface PollerCounters {
  invocations: number; records: number; deleted: number; failedRecords: number;
  failedInvocations: number; crashes: number; timeouts: number; errors: number;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Lambda's SQS event source mapping, offline. */
export class SqsEventSourcePoller {
  /** Running totals, updated live. */
  readonly counters: PollerCounters = { invocations: 0, records: 0, deleted: 0, failedRecords: 0, failedInvocations: 0, crashes: 0, timeouts: 0, errors: 0 };
  /** Every invocation so far, in completion order. */
  readonly invocations: InvocationRecord[] = [];
  private queueArn = '';
  private loops: Promise<void>[] = [];
  private stopping = false;
  private inFlight = 0;
  private envCount = 0;

  constructor(private readonly options: SqsEventSourcePollerOptions) {}

  /** Looks up the queue ARN and starts `maxConcurrency` pollers. */
  async start(): Promise<void> {
    if (this.loops.length > 0) return;
    const attrs = await this.options.sqs.send(new GetQueueAttributesCommand({ QueueUrl: this.options.queueUrl, AttributeNames: ['QueueArn'] }));
    this.queueArn = attrs.Attributes?.QueueArn ?? '';
    this.stopping = false;
    this.loops = Array.from({ length: this.options.maxConcurrency }, () => this.poll());
  }

  /** Stops polling; waits for in-progress receives and invocations (abandoned ones excepted). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    this.loops = [];
  }

  /** Resolves once the queue holds nothing (visible, in flight or delayed) and no invocation runs. */
  async drained(options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      const { Attributes: a = {} } = await this.options.sqs.send(new GetQueueAttributesCommand({
        QueueUrl: this.options.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }));
      const left = Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
      if (left === 0 && this.inFlight === 0) return;
      if (Date.now() > deadline) throw new Error(`offline-cloud: queue not drained: ${left} message(s) left, ${this.inFlight} invocation(s) running`);
      await delay(options.intervalMs ?? 50);
    }
  }

  private newEnv(): string {
    this.envCount += 1;
    return `env-${this.envCount}`;
  }

  private async poll(): Promise<void> {
    let env = this.newEnv();
    while (!this.stopping) {
      let messages: Message[];
      try {
        messages = await this.receive();
      } catch (error) {
        this.fault(error);
        await delay(100);
        continue;
      }
      if (messages.length === 0) continue;
      const outcome = await this.invoke(messages, env);
      if (outcome === 'crashed' || outcome === 'timeout') env = this.newEnv();
    }
  }

  private async receive(): Promise<Message[]> {
    const { batchSize, sqs, queueUrl } = this.options;
    const out: Message[] = [];
    let wait = this.options.waitTimeSeconds ?? 1;
    while (out.length < batchSize) {
      const want = Math.min(10, batchSize - out.length);
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({
        QueueUrl: queueUrl, MaxNumberOfMessages: want, WaitTimeSeconds: wait,
        AttributeNames: ['All'], MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'],
      }));
      out.push(...Messages);
      if (Messages.length < want) break;
      wait = 0;
    }
    return out;
  }

  private async invoke(messages: Message[], env: string): Promise<InvocationOutcome> {
    this.inFlight += 1;
    const o = this.options;
    const event = toSqsEvent(messages, this.queueArn);
    const abort = new AbortController();
    const base = createLambdaContext({ timeoutMs: o.functionTimeoutMs, functionName: o.functionName ?? 'offline-sqs-consumer', logStreamName: env, signal: abort.signal });
    const context = o.makeContext ? o.makeContext(base.deadlineMs, base) : base;
    const ids = event.Records.map((r) => r.messageId);
    const record: InvocationRecord = {
      env, requestId: context.awsRequestId, messageIds: ids,
      receiveCounts: event.Records.map((r) => Number(r.attributes.ApproximateReceiveCount)), outcome: 'ok', failedIds: [],
    };
    this.counters.invocations += 1;
    this.counters.records += ids.length;
    try {
      let directive: InvokeDirective;
      try {
        await o.beforeInvoke?.(event, base);
        directive = o.onInvoke?.(event, base) ?? {};
      } catch (error) {
        return this.finish(record, 'error', ids, error);
      }
      const crash = directive.crash ?? o.crashWhen?.(event) ?? false;
      const handler = directive.handler ?? o.handler;
      const running = Promise.resolve().then(() => handler(event, context));
      running.catch(() => undefined); // an abandoned invocation must not surface as unhandled
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), o.functionTimeoutMs); });
      // A crashing environment dies at crashAfterMs whether or not the handler has finished by then.
      const ending = crash
        ? delay(directive.crashAfterMs ?? 0).then(() => 'crashed' as const)
        : running.then((response) => ({ response }), (error: unknown) => ({ error }));
      const first = await Promise.race([ending, timedOut]).finally(() => clearTimeout(timer));
      if (first === 'timeout' || first === 'crashed') {
        abort.abort(new Error(`offline-cloud: invocation ${first}`));
        return this.finish(record, first, ids);
      }
      if ('error' in first) return this.finish(record, 'error', ids, first.error);
      const verdict = o.reportBatchItemFailures === false ? { kind: 'ok' as const, failedIds: new Set<string>() } : judgeBatchResponse(first.response, event);
      if (verdict.kind === 'malformed') return this.finish(record, 'malformed', ids, new Error(verdict.reason));
      await this.delete(event, verdict.failedIds);
      return this.finish(record, verdict.failedIds.size > 0 ? 'partial' : 'ok', [...verdict.failedIds]);
    } finally {
      this.inFlight -= 1;
    }
  }

  private finish(record: InvocationRecord, outcome: InvocationOutcome, failedIds: string[], error?: unknown): InvocationOutcome {
    record.outcome = outcome;
    record.failedIds = failedIds;
    if (error !== undefined) record.error = error;
    this.counters.failedRecords += failedIds.length;
    if (outcome === 'error' || outcome === 'malformed') this.counters.failedInvocations += 1;
    if (outcome === 'crashed') this.counters.crashes += 1;
    if (outcome === 'timeout') this.counters.timeouts += 1;
    this.invocations.push(record);
    return outcome;
  }

  private async delete(event: SQSEvent, keep: ReadonlySet<string>): Promise<void> {
    const doomed = event.Records.filter((r) => !keep.has(r.messageId));
    for (let i = 0; i < doomed.length; i += 10) {
      const chunk = doomed.slice(i, i + 10);
      try {
        const out = await this.options.sqs.send(new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: chunk.map((r, n) => ({ Id: String(n), ReceiptHandle: r.receiptHandle })),
        }));
        this.counters.deleted += out.Successful?.length ?? 0;
        for (const failed of out.Failed ?? []) this.fault(new Error(`offline-cloud: delete failed: ${failed.Code} ${failed.Message}`));
      } catch (error) {
        this.fault(error);
      }
    }
  }

  private fault(error: unknown): void {
    this.counters.errors += 1;
    this.options.onError?.(error);
  }
}
