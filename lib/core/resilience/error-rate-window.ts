import { formatDuration } from '../duration.ts';

/** `limits.abortOnErrorRate` once validated: stop when more than `above` of the recent attempts failed. */
export interface AbortOnErrorRate {
  /** Failed share of attempts (0..1) that, once exceeded, aborts the run. */
  readonly above: number;
  /** The sliding window the share is taken over, in ms. */
  readonly window: number;
  /** Attempts the share is taken over at least: a window holding fewer reaches back to the last `minRequests`. */
  readonly minRequests: number;
}

/** Every verdict starts with this, so a stop reason read back from the fleet's run row is recognised. */
export const ERROR_RATE_ABORT_PREFIX = 'aborted: error rate';
/**
 * The run's stop reason when the rule fired (what lifecycles it stopped are dropped with): short and
 * the same in every worker, so their reasons add up under one key; the verdict says the rest.
 */
export const ERROR_RATE_STOP_REASON = 'the error rate passed limits.abortOnErrorRate';

/** The window is this many buckets: it slides a tenth of its length at a time. */
const BUCKETS = 10;
/** Causes a bucket counts by name (beyond them only the totals): the verdict names the most common. */
const CAUSES_PER_BUCKET = 16;
/** The cause a circuit breaker gives: the verdict names what opened the breaker when it can. */
const CIRCUIT_OPEN = 'circuit-open';

interface Bucket {
  attempts: number;
  failures: number;
  readonly causes: Map<string, number>;
}

/**
 * `ErrorRateWindow` is the abort rule of k6's `abortOnFail` kind: it is told every finished attempt
 * (when, and its cause if it failed) and says when the failed share of the recent attempts passes
 * `above`. Recent means the last `window` ms, or, when those hold fewer than `minRequests` attempts,
 * the last `minRequests` attempts however long ago they started: a fast run is judged on its last 10 s,
 * and a slow one (a lifecycle that waits seconds between its requests, retries backing off) still on
 * 20 attempts, never on a handful. Pure: the caller passes the time, so a test drives it with a fake
 * clock, and it stops nothing itself (the caller stops the run).
 *
 * The window is a ring of ten buckets, a tenth of `window` each (it covers between nine and ten tenths
 * of `window` behind `now`), and the last attempts a ring of `minRequests` entries: recording is O(1)
 * and the memory fixed whatever the rate.
 *
 * @example
 * const rule = new ErrorRateWindow({ above: 0.5, window: 10_000, minRequests: 20 });
 * const verdict = rule.record(clock.now(), 'connect ECONNREFUSED 127.0.0.1:1');
 * if (verdict) guard.stop(verdict);
 */
export class ErrorRateWindow {
  private readonly buckets: Bucket[] = Array.from({ length: BUCKETS }, () => ({ attempts: 0, failures: 0, causes: new Map() }));
  private readonly bucketMs: number;
  private head = 0;
  private headEnd = Number.NaN;
  private firstAt = Number.NaN;
  private attempts = 0;
  private failures = 0;
  private readonly last: LastAttempts;
  private fired: string | undefined;

  constructor(private readonly rule: AbortOnErrorRate) {
    this.bucketMs = rule.window / BUCKETS;
    this.last = new LastAttempts(rule.minRequests);
  }

  /** The verdict, once the rule has fired. */
  get verdict(): string | undefined {
    return this.fired;
  }

  /**
   * Counts one finished attempt at `now` (ms, never decreasing): `cause` is undefined for a success,
   * else what failed in a few words (`http5xx 503`, `connect ECONNREFUSED 127.0.0.1:1`). Returns the
   * verdict the one time the rule fires; undefined otherwise (and always after it fired).
   */
  record(now: number, cause: string | undefined): string | undefined {
    if (this.fired !== undefined) return undefined;
    this.slide(now);
    this.last.push(now, cause);
    const bucket = this.buckets[this.head] as Bucket;
    bucket.attempts++;
    this.attempts++;
    if (cause === undefined) return undefined;
    bucket.failures++;
    this.failures++;
    const seen = bucket.causes.get(cause);
    if (seen !== undefined) bucket.causes.set(cause, seen + 1);
    else if (bucket.causes.size < CAUSES_PER_BUCKET) bucket.causes.set(cause, 1);
    const { above, minRequests } = this.rule;
    if (this.attempts >= minRequests) {
      if (this.failures > above * this.attempts) this.fired = this.windowVerdict(now);
    } else if (this.last.full && this.last.failures > above * minRequests) {
      this.fired = this.lastVerdict(now);
    }
    return this.fired;
  }

  /** Moves the head to the bucket `now` falls in, emptying the buckets it passes. */
  private slide(now: number): void {
    if (Number.isNaN(this.headEnd)) {
      this.firstAt = now;
      this.headEnd = now + this.bucketMs;
      return;
    }
    if (now < this.headEnd) return;
    const advance = Math.floor((now - this.headEnd) / this.bucketMs) + 1;
    for (let i = 0; i < Math.min(BUCKETS, advance); i++) {
      this.head = (this.head + 1) % BUCKETS;
      const bucket = this.buckets[this.head] as Bucket;
      this.attempts -= bucket.attempts;
      this.failures -= bucket.failures;
      bucket.attempts = 0;
      bucket.failures = 0;
      bucket.causes.clear();
    }
    this.headEnd += advance * this.bucketMs;
  }

  /** The verdict over the time window: `... 100% over the last 10.0s ...` (`over the first 22ms` early on). */
  private windowVerdict(now: number): string {
    const span = Math.min(this.rule.window, now - this.firstAt);
    const over = span < this.rule.window ? `over the first ${formatDuration(span)}` : `over the last ${formatDuration(span)}`;
    const totals = new Map<string, number>();
    for (const bucket of this.buckets) for (const [cause, n] of bucket.causes) totals.set(cause, (totals.get(cause) ?? 0) + n);
    return this.describe(this.failures, this.attempts, over, mostCommon(totals));
  }

  /** The verdict over the last `minRequests` attempts: `... 100% over the last 20 attempts (38.5s) ...`. */
  private lastVerdict(now: number): string {
    const over = `over the last ${this.rule.minRequests} attempts (${formatDuration(now - this.last.oldestAt)})`;
    return this.describe(this.last.failures, this.rule.minRequests, over, mostCommon(this.last.causes));
  }

  private describe(failures: number, attempts: number, over: string, cause: string | undefined): string {
    return `${ERROR_RATE_ABORT_PREFIX} ${percent(failures / attempts)} ${over} is above ${percent(this.rule.above)} (limits.abortOnErrorRate): ` +
      `${failures} of ${attempts} attempts failed${cause === undefined ? '' : `; most common: ${cause}`}`;
  }
}

/** The last `size` attempts: when each finished, what failed, and the failures and causes among them. */
class LastAttempts {
  private readonly at: Float64Array;
  private readonly cause: Array<string | undefined>;
  private next = 0;
  private count = 0;
  failures = 0;
  readonly causes = new Map<string, number>();

  constructor(private readonly size: number) {
    this.at = new Float64Array(size);
    this.cause = new Array<string | undefined>(size).fill(undefined);
  }

  /** True once `size` attempts were pushed. */
  get full(): boolean {
    return this.count === this.size;
  }

  /** When the oldest attempt held finished. */
  get oldestAt(): number {
    return this.at[this.full ? this.next : 0] as number;
  }

  push(at: number, cause: string | undefined): void {
    const evicted = this.full ? this.cause[this.next] : undefined;
    if (evicted !== undefined) {
      this.failures--;
      const n = (this.causes.get(evicted) ?? 1) - 1;
      if (n > 0) this.causes.set(evicted, n);
      else this.causes.delete(evicted);
    }
    this.at[this.next] = at;
    this.cause[this.next] = cause;
    if (cause !== undefined) {
      this.failures++;
      this.causes.set(cause, (this.causes.get(cause) ?? 0) + 1);
    }
    this.next = (this.next + 1) % this.size;
    if (this.count < this.size) this.count++;
  }
}

/** The cause counted most; what opened a circuit breaker rather than its refusals, when known. */
function mostCommon(totals: ReadonlyMap<string, number>): string | undefined {
  let best: string | undefined;
  let bestCount = 0;
  for (const [cause, n] of totals) {
    if (cause.startsWith(CIRCUIT_OPEN) && totals.size > 1) continue;
    if (n > bestCount) [best, bestCount] = [cause, n];
  }
  return best;
}

/** `0.5` as `50%`, `0.6667` as `66.7%`. */
function percent(ratio: number): string {
  return `${Number((ratio * 100).toFixed(1))}%`;
}
