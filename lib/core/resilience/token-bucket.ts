import type { Clock } from '../ports.ts';

/** `TokenBucketOptions` configures a `TokenBucket`. */
export interface TokenBucketOptions {
  /** Tokens added per second (> 0). */
  readonly ratePerSec: number;
  /** Most tokens the bucket holds, i.e. the largest burst after idling. Default `max(1, ratePerSec)`. */
  readonly burst?: number | undefined;
}

/** A caller parked in `take`, waiting for its turn. */
interface Waiter {
  readonly resolve: () => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
}

/**
 * Fractional tokens come from float maths (e.g. 333.33 ms at 3/s gives 0.9999999 tokens); this slack
 * counts them as whole so a waiter is not put back to sleep for a fraction of a microsecond.
 */
const EPSILON = 1e-9;

/**
 * `TokenBucket` limits a rate: `take` resolves once a token is available, at most `ratePerSec` per
 * second on average and `burst` at once. Waiters are served first come, first served.
 *
 * The level is computed from `clock.now()` whenever someone asks, so an idle bucket runs no timer.
 * While callers wait, one sleep at a time (for the next token) runs on the clock; if every waiter
 * gives up, that sleep is cancelled too.
 *
 * @example
 * const bucket = new TokenBucket({ ratePerSec: 10, burst: 1 }, clock);
 * await bucket.take(signal); // at most one pass per 100 ms
 */
export class TokenBucket {
  private readonly ratePerMs: number;
  private readonly burst: number;
  private tokens: number;
  private refilledAt: number;
  private queue: Waiter[] = [];
  private pumping = false;
  /** Wakes the pump early when every waiter is gone; reused until it fires, so a sleep costs no controller. */
  private wake = new AbortController();
  /** Waiters per caller signal: one abort listener per signal (a run's stop signal), not one per waiter. */
  private readonly bySignal = new Map<AbortSignal, Set<Waiter>>();

  constructor(opts: TokenBucketOptions, private readonly clock: Clock) {
    const { ratePerSec } = opts;
    const burst = opts.burst ?? Math.max(1, ratePerSec);
    if (!(ratePerSec > 0 && Number.isFinite(ratePerSec))) throw new RangeError(`ratePerSec must be a finite number > 0, got ${ratePerSec}`);
    if (!(burst >= 1 && Number.isFinite(burst))) throw new RangeError(`burst must be a finite number >= 1, got ${burst}`);
    this.ratePerMs = ratePerSec / 1000;
    this.burst = burst;
    this.tokens = burst;
    this.refilledAt = clock.now();
  }

  /** Resolves when a token was taken; rejects with `signal.reason` if `signal` aborts first (no token is used). */
  take(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as unknown);
    if (this.queue.length === 0 && this.tryTake() === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      if (signal) this.waitersOf(signal).add(waiter);
      this.queue.push(waiter);
      if (!this.pumping) void this.pump();
    });
  }

  private waitersOf(signal: AbortSignal): Set<Waiter> {
    let set = this.bySignal.get(signal);
    if (!set) {
      const waiters = new Set<Waiter>();
      set = waiters;
      this.bySignal.set(signal, waiters);
      signal.addEventListener(
        'abort',
        () => {
          this.bySignal.delete(signal);
          this.queue = this.queue.filter((w) => !waiters.has(w));
          for (const waiter of waiters) waiter.reject(signal.reason as unknown);
          if (this.queue.length === 0) this.wakeUp();
        },
        { once: true },
      );
    }
    return set;
  }

  private wakeUp(): void {
    this.wake.abort();
    this.wake = new AbortController();
  }

  /**
   * Takes a token if one is available now and returns 0; otherwise takes nothing and returns the ms
   * until this caller could have one. It never jumps the queue: while others wait, the answer counts
   * their tokens too.
   */
  tryTake(): number {
    this.refill();
    const needed = this.queue.length + 1;
    if (this.queue.length === 0 && this.tokens >= 1 - EPSILON) {
      this.tokens = Math.max(0, this.tokens - 1);
      return 0;
    }
    return Math.max(0, (needed - this.tokens) / this.ratePerMs);
  }

  /** Adds the tokens earned since the last refill, up to `burst`. */
  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) * this.ratePerMs);
    this.refilledAt = now;
  }

  /** Hands out tokens to the queue in order, sleeping until each next token is earned. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        this.refill();
        if (this.tokens >= 1 - EPSILON) {
          this.tokens = Math.max(0, this.tokens - 1);
          const waiter = this.queue.shift() as Waiter;
          if (waiter.signal) this.bySignal.get(waiter.signal)?.delete(waiter);
          waiter.resolve();
          continue;
        }
        try {
          await this.clock.sleep((1 - this.tokens) / this.ratePerMs, this.wake.signal);
        } catch {
          // Woken early because the queue emptied; the loop condition decides what happens next.
        }
      }
    } finally {
      this.pumping = false;
    }
  }
}
