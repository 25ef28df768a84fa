/**
 * `RunGuard` enforces the run-time caps (request budget, deadline) and owns the stop signal. Hitting a
 * cap stops the run like a user's stop: nothing new starts, cleanup still runs.
 */
export class RunGuard {
  private readonly controller = new AbortController();
  private requests = 0;
  private reasonText: string | undefined;

  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limits: { readonly maxRequests: number; readonly deadline: number; readonly maxConcurrency?: number }) {}

  /** Requests in flight now. */
  get inFlightNow(): number {
    return this.inFlight;
  }

  /**
   * Takes one of `maxConcurrency` in-flight slots, waiting (FIFO) while all are taken. This is the
   * run-time half of the concurrency cap: validation bounds what a plan asks for, this bounds what
   * actually happens, deferred cleanups included.
   */
  acquire(): Promise<void> | undefined {
    const max = this.limits.maxConcurrency ?? Number.POSITIVE_INFINITY;
    if (this.inFlight < max) {
      this.inFlight++;
      return undefined;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Releases a slot taken with `acquire`, handing it straight to the next waiter if there is one. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight--;
  }

  /** Aborts when the run must stop starting new work. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why the run was stopped, if it was. */
  get reason(): string | undefined {
    return this.reasonText;
  }

  /** Requests admitted so far. */
  get admitted(): number {
    return this.requests;
  }

  /**
   * Admits one more request attempt, or returns false when the request budget is spent (and stops
   * the run). Cleanup requests pass `force` so created entities can still be taken to a terminal state.
   */
  admit(now: number, force = false): boolean {
    if (!force) {
      if (this.requests >= this.limits.maxRequests) {
        this.stop(`request budget of ${this.limits.maxRequests} exhausted (limits.maxRequests)`);
        return false;
      }
      if (now > this.limits.deadline) {
        this.stop('run deadline reached (limits.maxDuration)');
        return false;
      }
    }
    this.requests++;
    return true;
  }

  /** Stops the run; the first reason wins. */
  stop(reason: string): void {
    if (this.controller.signal.aborted) return;
    this.reasonText = reason;
    this.controller.abort(new Error(reason));
  }
}
