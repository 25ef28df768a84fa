import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How an adapter retries the part of a batch call that AWS accepted but did not process (DynamoDB's
 * `UnprocessedItems`, SQS's retryable `Failed` entries). Whole-call errors are not retried here: the
 * SDK's own retry strategy (see `maxAttempts` in `awsClients`) already handles throttling and 5xx.
 */
export interface BatchRetryOptions {
  /** Calls in all, the first included. */
  readonly attempts?: number | undefined;
  /** Backoff cap before the first retry (ms); doubles per retry. */
  readonly baseDelayMs?: number | undefined;
  /** Largest backoff cap (ms). */
  readonly maxDelayMs?: number | undefined;
}

/** `BatchRetryOptions` with every field present. */
export type ResolvedBatchRetry = { readonly [K in keyof BatchRetryOptions]-?: number };

/** Fills `options` in from `defaults`, checking the figures are sane. */
export function resolveBatchRetry(options: BatchRetryOptions | undefined, defaults: ResolvedBatchRetry): ResolvedBatchRetry {
  const resolved = {
    attempts: options?.attempts ?? defaults.attempts,
    baseDelayMs: options?.baseDelayMs ?? defaults.baseDelayMs,
    maxDelayMs: options?.maxDelayMs ?? defaults.maxDelayMs,
  };
  if (!Number.isInteger(resolved.attempts) || resolved.attempts < 1) throw new RangeError(`retry attempts must be an integer >= 1, got ${resolved.attempts}`);
  if (!(resolved.baseDelayMs >= 0) || !(resolved.maxDelayMs >= 0)) throw new RangeError('retry delays must be >= 0');
  return resolved;
}

/**
 * Waits before retry number `retry` (1 = first retry) with "full jitter" (a uniform draw below an
 * exponentially growing cap), so the many workers of a fleet that were refused together do not all
 * come back in the same instant.
 */
export async function backoff(retry: number, options: ResolvedBatchRetry): Promise<void> {
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  const delay = Math.floor(Math.random() * cap);
  if (delay > 0) await sleep(delay);
}

/**
 * Maps `items` through `fn` with at most `limit` calls in flight, keeping the input order. Bounded
 * so a large run does not open hundreds of sockets at once (and burst past table/queue limits).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lanes = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    // After a failure the other lanes finish their current call but start no new one.
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Splits `items` into slices of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** True when `error` is the AWS error named `name` (by name, so it holds across SDK copies and mocks). */
export function isAwsError(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}
