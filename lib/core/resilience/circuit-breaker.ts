import type { Clock } from '../ports.ts';

/** `CircuitState` is where a `CircuitBreaker` stands. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** `CircuitBreakerOptions` configures a `CircuitBreaker`. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit (integer >= 1). */
  readonly failureThreshold: number;
  /** How long the circuit stays open before it lets probes through, in ms. */
  readonly cooldownMs: number;
  /** Probes allowed at once while half-open (integer >= 1). Default 1. */
  readonly halfOpenMax?: number | undefined;
}

/**
 * `CircuitBreaker` stops sending to an endpoint that keeps failing, so a struggling target is not
 * pushed further and attempts fail fast as `circuit-open` instead of waiting for timeouts.
 *
 * - closed: everything is allowed; `failureThreshold` consecutive failures open it.
 * - open: nothing is allowed until `cooldownMs` has passed since it opened.
 * - half-open: up to `halfOpenMax` probes are allowed; a probe success closes it, a failure reopens it.
 *
 * The open -> half-open step is computed from `clock.now()` when the state is read, so no timer runs.
 * Results reported while open (requests that were already in flight) are ignored, so a burst of
 * late failures does not keep extending the cooldown.
 *
 * @example
 * if (!breaker.allow()) return { errorKind: 'circuit-open' };
 * try { await send(); breaker.onSuccess(); } catch (e) { breaker.onFailure(); throw e; }
 */
export class CircuitBreaker {
  private readonly failureThreshold: number;
  private readonly cooldownMs: number;
  private readonly halfOpenMax: number;
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probes = 0;

  constructor(opts: CircuitBreakerOptions, private readonly clock: Clock) {
    const { failureThreshold, cooldownMs, halfOpenMax = 1 } = opts;
    if (!(Number.isInteger(failureThreshold) && failureThreshold >= 1)) throw new RangeError(`failureThreshold must be an integer >= 1, got ${failureThreshold}`);
    if (!(cooldownMs >= 0 && Number.isFinite(cooldownMs))) throw new RangeError(`cooldownMs must be a finite number >= 0, got ${cooldownMs}`);
    if (!(Number.isInteger(halfOpenMax) && halfOpenMax >= 1)) throw new RangeError(`halfOpenMax must be an integer >= 1, got ${halfOpenMax}`);
    this.failureThreshold = failureThreshold;
    this.cooldownMs = cooldownMs;
    this.halfOpenMax = halfOpenMax;
  }

  /** The current state; an open circuit whose cooldown has passed reads as half-open. */
  get state(): CircuitState {
    if (this.current === 'open' && this.clock.now() - this.openedAt >= this.cooldownMs) {
      this.current = 'half-open';
      this.probes = 0;
    }
    return this.current;
  }

  /** Whether an attempt may go ahead; false means fail fast. In half-open each `true` uses up a probe. */
  allow(): boolean {
    switch (this.state) {
      case 'closed':
        return true;
      case 'open':
        return false;
      case 'half-open':
        if (this.probes >= this.halfOpenMax) return false;
        this.probes++;
        return true;
    }
  }

  /** Reports a successful attempt: resets the failure count, and closes a half-open circuit. */
  onSuccess(): void {
    const state = this.state;
    if (state === 'open') return;
    this.current = 'closed';
    this.failures = 0;
  }

  /** Reports a failed attempt: counts it while closed, and reopens a half-open circuit. */
  onFailure(): void {
    switch (this.state) {
      case 'closed':
        this.failures++;
        if (this.failures >= this.failureThreshold) this.open();
        return;
      case 'half-open':
        this.open();
        return;
      case 'open':
        return;
    }
  }

  /**
   * Reports an allowed attempt that says nothing about the target (stopped in flight, or refused
   * before it was sent): the failure count stays as it is, and a half-open probe is given back so the
   * next attempt can probe instead of the circuit waiting on an answer that will never come.
   */
  onNeutral(): void {
    if (this.current === 'half-open' && this.probes > 0) this.probes--;
  }

  private open(): void {
    this.current = 'open';
    this.openedAt = this.clock.now();
    this.failures = 0;
  }
}
