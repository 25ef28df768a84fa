/**
 * `RunGuard` enforces the run-time caps (request budget, deadline) and owns the stop signal. Hitting a
 * cap stops the run like a user's stop: nothing new starts, cleanup still runs.
 */
export class RunGuard {
  private readonly controller = new AbortController();
  private requests = 0;
  private reasonText: string | undefined;

  constructor(private readonly limits: { readonly maxRequests: number; readonly deadline: number }) {}

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
