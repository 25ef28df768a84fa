/**
 * `Deadline` is one in-flight exchange as the `Deadlines` sweeper sees it: when it expires, and how to
 * expire it. The links make removal O(1) (an intrusive list, no array shifting).
 */
export interface Deadline {
  deadline: number;
  expire(): void;
  prev: Deadline | undefined;
  next: Deadline | undefined;
  list: DeadlineList | undefined;
}

/** In-flight exchanges with the same timeout, oldest first, so their deadlines are in order too. */
interface DeadlineList {
  head: Deadline | undefined;
  tail: Deadline | undefined;
}

/**
 * `Deadlines` enforces per-request overall deadlines with one unref'd interval for all requests,
 * instead of a timer per request. Requests sharing a timeout are kept in start order, so the sweep
 * only looks at the head of each list. Precision is `resolutionMs` (a twentieth of the timeout,
 * between 5 and 100 ms); the interval runs only while something is in flight.
 */
export class Deadlines {
  private readonly lists = new Map<number, DeadlineList>();
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private resolution = 100;

  constructor(private readonly now: () => number) {}

  /** Starts tracking `entry`, which expires `timeoutMs` from now. */
  add(entry: Deadline, timeoutMs: number): void {
    let list = this.lists.get(timeoutMs);
    if (!list) this.lists.set(timeoutMs, (list = { head: undefined, tail: undefined }));
    entry.deadline = this.now() + timeoutMs;
    entry.list = list;
    entry.prev = list.tail;
    entry.next = undefined;
    if (list.tail) list.tail.next = entry;
    else list.head = entry;
    list.tail = entry;
    this.inFlight++;
    const resolution = Math.max(5, Math.min(100, timeoutMs / 20));
    if (!this.timer || resolution < this.resolution) this.start(resolution);
  }

  /** Stops tracking `entry` (it settled). Safe to call twice. */
  remove(entry: Deadline): void {
    const list = entry.list;
    if (!list) return;
    if (entry.prev) entry.prev.next = entry.next;
    else list.head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else list.tail = entry.prev;
    entry.list = entry.prev = entry.next = undefined;
    if (--this.inFlight === 0) this.stop();
  }

  /** Every tracked entry (to abort them all when a caller's signal fires). */
  *entries(): Generator<Deadline> {
    for (const list of this.lists.values()) {
      for (let entry = list.head; entry; entry = entry.next) yield entry;
    }
  }

  private sweep(): void {
    const now = this.now();
    for (const list of this.lists.values()) {
      while (list.head && list.head.deadline <= now) {
        const expired = list.head;
        this.remove(expired);
        expired.expire();
      }
    }
  }

  private start(resolution: number): void {
    this.stop();
    this.resolution = resolution;
    this.timer = setInterval(() => this.sweep(), resolution);
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.resolution = 100;
  }
}
