// A real-shaped Lambda `Context` for offline invocations, plus an AbortSignal the harness fires when
// the simulated invocation dies (timeout, injected crash) so the handler can stop doing work.
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { OFFLINE_ACCOUNT, OFFLINE_REGION } from './definition.ts';

/** A Lambda `Context` that also carries the offline invocation's abort signal. */
export type OfflineLambdaContext = Context & {
  /** Aborted when the harness abandons this invocation (timeout or injected crash). */
  readonly signal: AbortSignal;
  /** Epoch ms at which the simulated function times out. */
  readonly deadlineMs: number;
};

/** Options for {@link createLambdaContext}. */
export interface LambdaContextOptions {
  /** The function's configured timeout; `getRemainingTimeInMillis()` counts down from it. */
  timeoutMs: number;
  functionName?: string;
  /** Identifies the simulated execution environment (warm container); defaults to a fresh id. */
  logStreamName?: string;
  awsRequestId?: string;
  memoryLimitInMB?: number;
  signal?: AbortSignal;
}

/** Builds a Lambda `Context` whose clock starts now. */
export function createLambdaContext(options: LambdaContextOptions): OfflineLambdaContext {
  const functionName = options.functionName ?? 'offline-function';
  const deadlineMs = Date.now() + options.timeoutMs;
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  const noop = (): void => undefined;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${OFFLINE_REGION}:${OFFLINE_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 1024),
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: options.logStreamName ?? `${day}/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: noop,
    fail: noop,
    succeed: noop,
    signal: options.signal ?? new AbortController().signal,
    deadlineMs,
  };
}

/** The offline abort signal of a context built by this harness, if any. */
export function offlineSignal(context: Context): AbortSignal | undefined {
  return (context as Partial<OfflineLambdaContext>).signal;
}
