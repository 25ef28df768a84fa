/**
 * Per-endpoint request counters: the ground truth a test compares a run's own numbers against.
 */

/** `EndpointCounts` is what the target saw on one `"<METHOD> <path>"`. */
export interface EndpointCounts {
  /** Requests received (counted on arrival, so it includes requests that never got a response). */
  total: number;
  /** Responses sent, by status code (as a string key, as in JSON). */
  byStatus: Record<string, number>;
}

/**
 * `MAX_UNROUTED_KEYS` is how many distinct unrouted keys are kept before the rest fold into
 * `"<METHOD> (other)"`. Unknown paths come from clients, so without a cap a scan of random URLs would
 * grow the stats without bound.
 */
export const MAX_UNROUTED_KEYS = 100;

/**
 * `RequestStats` counts requests, responses by status, and injected faults per endpoint key. It is
 * plain synchronous state: Node runs one handler step at a time, so no locking is needed.
 */
export class RequestStats {
  private requests = new Map<string, EndpointCounts>();
  private faults = new Map<string, number>();
  private unroutedKeys = 0;

  /**
   * Returns the key to count an unrouted request under: its own `"<METHOD> <path>"` while fewer than
   * `MAX_UNROUTED_KEYS` distinct ones were seen, then `"<METHOD> (other)"`.
   */
  unroutedKey(method: string, path: string): string {
    const key = `${method} ${path}`;
    if (this.requests.has(key)) return key;
    if (this.unroutedKeys >= MAX_UNROUTED_KEYS) return `${method} (other)`;
    this.unroutedKeys += 1;
    return key;
  }

  /** Counts a request on arrival. */
  received(key: string): void {
    this.entry(key).total += 1;
  }

  /** Counts the status of a response as its head is written. */
  responded(key: string, status: number): void {
    const byStatus = this.entry(key).byStatus;
    const code = String(status);
    byStatus[code] = (byStatus[code] ?? 0) + 1;
  }

  /** Counts one injected error fault. */
  faultInjected(key: string): void {
    this.faults.set(key, (this.faults.get(key) ?? 0) + 1);
  }

  /** A deep copy of the request counters, keyed `"<METHOD> <path>"`. */
  requestsSnapshot(): Record<string, EndpointCounts> {
    const out: Record<string, EndpointCounts> = {};
    for (const [key, counts] of this.requests) out[key] = { total: counts.total, byStatus: { ...counts.byStatus } };
    return out;
  }

  /** A copy of the injected-fault counters, keyed `"<METHOD> <path>"`. */
  faultsSnapshot(): Record<string, number> {
    return Object.fromEntries(this.faults);
  }

  /** Forgets everything. */
  reset(): void {
    this.requests = new Map();
    this.faults = new Map();
    this.unroutedKeys = 0;
  }

  private entry(key: string): EndpointCounts {
    let counts = this.requests.get(key);
    if (!counts) {
      counts = { total: 0, byStatus: {} };
      this.requests.set(key, counts);
    }
    return counts;
  }
}
