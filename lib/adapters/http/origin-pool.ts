import type { Socket } from 'node:net';
import { buildConnector, Client, errors, type Dispatcher } from './undici-parts.ts';

/**
 * undici's way to open a `Client`'s connection without a request (`Client.prototype[kConnect]`, used
 * by its own tests). undici has no public pre-connect (nodejs/undici#317), so it is looked up by its
 * description and optional: without it `warm` opens nothing and the release connects as before.
 */
const kConnect: symbol | undefined = Object.getOwnPropertySymbols(Client.prototype).find(
  (s) => s.description === 'connect' && typeof (Client.prototype as unknown as Record<symbol, unknown>)[s] === 'function',
);

/** Whether this undici can open a connection ahead of its first request. */
export const CAN_PRECONNECT = kConnect !== undefined;

/**
 * undici's count of a `Client`'s requests queued or running (the `Client.prototype[kSize]` getter),
 * looked up like `kConnect`. A request undici refuses (an invalid header, say) never reaches its
 * queue: `dispatch` hands the error to the handler and returns false as if the client were busy, but
 * no `drain` follows. A size of 0 then tells the pool the client is free.
 */
const kSize: symbol | undefined = Object.getOwnPropertySymbols(Client.prototype).find(
  (s) => s.description === 'size' && typeof Object.getOwnPropertyDescriptor(Client.prototype, s)?.get === 'function',
);

/** Whether the pool can tell a refused request from a busy client (`kSize` found). */
export const CAN_SEE_REFUSALS = kSize !== undefined;

/** One undici `Client` (one socket) of a pool, with what the pool knows about it. */
interface Conn {
  client: Client;
  /** A socket is open: between the client's `connect` and `disconnect`. */
  connected: boolean;
  /** The client's socket, from our connector, while it is open. */
  socket: Socket | undefined;
  /** Opening a connection `warm` asked for (no request on it). */
  warming: boolean;
  /** In the idle stack: takes a request now without waiting. */
  idle: boolean;
  /** Taken out of the pool after a connection error; its events are ignored. */
  retired: boolean;
}

type Queued = readonly [Dispatcher.DispatchOptions, Dispatcher.DispatchHandler];

/** A request run on a corked socket (`OriginPool.hold`): written into the cork, not sent yet. */
export interface HeldSocket {
  /** Uncorks the socket: the request's bytes go to the kernel now. */
  release(): void;
  /** Destroys the socket with the bytes still corked: none of them is ever sent. */
  discard(): void;
}

/**
 * `OriginPool` is the sockets of one origin: up to `connections` undici `Client`s (one socket each,
 * keep-alive) with an O(1) idle stack, where undici's `Pool` scans its whole client list on every
 * dispatch (a 500-request burst on 500 sockets paid about 250,000 checks at its release). A request
 * takes an idle client (the most recently used first), else a new client while under the cap, else
 * waits in a FIFO queue for the next client that drains.
 *
 * `warm(n)` opens sockets ahead of a burst without sending anything on them, so the release writes
 * each request straight onto an open socket (and undici's HTTP parser is compiled by then).
 */
export class OriginPool {
  private readonly conns: Conn[] = [];
  private readonly idle: Conn[] = [];
  private readonly queue: Queued[] = [];
  private queueHead = 0;
  private readonly connect: buildConnector.connector;
  private closed = false;
  private closing: Promise<void> | undefined;
  private onQueueEmpty: (() => void) | undefined;

  /**
   * `connect` is the pool's one connector, as undici's Pool has (one TLS session cache for all its
   * sockets); the client passes one that checks every address against the allowlist
   * (`guardedConnector`). Default: undici's own, which checks nothing.
   */
  constructor(
    private readonly origin: string,
    private readonly connections: number,
    private readonly clientOptions: Client.Options = {},
    connect: buildConnector.connector = buildConnector({}),
  ) {
    this.connect = connect;
  }

  /** Sends one request on a socket of this origin (see the class doc for which). */
  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    if (this.closed) {
      handler.onResponseError?.(null as unknown as Dispatcher.DispatchController, new errors.ClientClosedError());
      return;
    }
    const conn = this.idle.pop() ?? this.create();
    if (conn) this.run(conn, opts, handler);
    else this.queue.push([opts, handler]);
  }

  /**
   * Runs one request on an idle open socket corked beforehand: undici writes it into the cork, where it
   * stays until `release()` (or is thrown away with the socket by `discard()`). Returns undefined, and
   * runs nothing, when no idle socket is open: the caller sends the request later instead.
   */
  hold(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): HeldSocket | undefined {
    if (this.closed) return undefined;
    // The most recently used open socket first, as `dispatch` takes them; closed idle ones are skipped.
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const conn = this.idle[i] as Conn;
      const socket = conn.socket;
      if (!conn.connected || !socket || socket.destroyed) continue;
      this.idle.splice(i, 1);
      socket.cork();
      this.run(conn, opts, handler);
      let corked = true;
      if (conn.idle) {
        // Refused by undici (the handler has its error): nothing was written, the socket stays usable.
        socket.uncork();
        corked = false;
      }
      return {
        release: () => {
          if (corked) socket.uncork();
          corked = false;
        },
        discard: () => {
          corked = false;
          socket.destroy();
        },
      };
    }
    return undefined;
  }

  /**
   * Opens sockets until `n` (at most the pool's cap) are idle and open or opening, sending nothing on
   * them. Resolves with how many idle sockets are open once every one it opened has connected or
   * failed (a failed one is dropped: the release will try again), or at once when `signal` aborts.
   */
  async warm(n: number, signal?: AbortSignal): Promise<number> {
    if (this.closed || !kConnect) return 0;
    const want = Math.min(n, this.connections);
    let ready = 0;
    for (const conn of this.idle) if (conn.connected || conn.warming) ready++;
    const opening: Array<Promise<void>> = [];
    // Idle clients whose socket closed (a server's idle timeout) are reopened before new ones are made.
    for (const conn of this.idle) {
      if (ready >= want) break;
      if (conn.connected || conn.warming) continue;
      opening.push(this.preconnect(conn));
      ready++;
    }
    const fresh: Conn[] = [];
    while (ready < want && this.conns.length < this.connections) {
      const conn = this.create() as Conn;
      conn.idle = true;
      fresh.push(conn);
      opening.push(this.preconnect(conn));
      ready++;
    }
    // Under the idle sockets already open: a request meanwhile takes an open one first.
    if (fresh.length > 0) this.idle.splice(0, 0, ...fresh);
    if (opening.length > 0) await untilAborted(Promise.all(opening), signal);
    return this.idleConnected();
  }

  /** Idle sockets that are open now. */
  idleConnected(): number {
    let n = 0;
    for (const conn of this.idle) if (conn.connected) n++;
    return n;
  }

  /** Closes every socket once the queued requests have been handed to a client and answered. */
  close(): Promise<void> {
    this.closed = true;
    this.closing ??= (this.queueHead < this.queue.length ? new Promise<void>((resolve) => (this.onQueueEmpty = resolve)) : Promise.resolve()).then(async () => {
      await Promise.all(this.conns.map((conn) => conn.client.close()));
    });
    return this.closing;
  }

  private create(): Conn | undefined {
    if (this.conns.length >= this.connections) return undefined;
    const conn: Conn = { client: undefined as unknown as Client, connected: false, socket: undefined, warming: false, idle: false, retired: false };
    // The pool's connector, through a closure that keeps this client's socket (for `hold`).
    const connect: buildConnector.connector = (options, callback) =>
      this.connect(options, (...args) => {
        conn.socket = args[0] ? undefined : (args[1] as Socket);
        callback(...args);
      });
    const client = new Client(this.origin, { ...this.clientOptions, connect });
    conn.client = client;
    client
      .on('connect', () => {
        conn.connected = true;
        conn.warming = false;
      })
      .on('disconnect', () => {
        conn.connected = false;
        conn.socket = undefined;
      })
      .on('connectionError', () => this.retire(conn))
      .on('drain', () => this.drained(conn));
    this.conns.push(conn);
    return conn;
  }

  private run(conn: Conn, opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    conn.idle = false;
    if (this.takes(conn, opts, handler)) {
      conn.idle = true;
      this.idle.push(conn);
    }
  }

  /**
   * Dispatches on `conn`; true when its client can take another request at once. false = busy (one
   * request per socket without pipelining): it comes back with its `drain`. A request undici refused
   * leaves the client free, though it also returns false (see `kSize`).
   */
  private takes(conn: Conn, opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (conn.client.dispatch(opts, handler)) return true;
    return kSize !== undefined && (conn.client as unknown as Record<symbol, number>)[kSize] === 0;
  }

  /** A client can take requests again: the queue's oldest first, else it waits in the idle stack. */
  private drained(conn: Conn): void {
    if (conn.retired) return;
    while (this.queueHead < this.queue.length) {
      const [opts, handler] = this.queue[this.queueHead] as Queued;
      this.queue[this.queueHead++] = undefined as unknown as Queued;
      if (this.queueHead === this.queue.length) this.resetQueue();
      if (!this.takes(conn, opts, handler)) return;
    }
    if (!conn.idle) {
      conn.idle = true;
      this.idle.push(conn);
    }
  }

  private resetQueue(): void {
    this.queue.length = 0;
    this.queueHead = 0;
    this.onQueueEmpty?.();
    this.onQueueEmpty = undefined;
  }

  /**
   * A connection attempt failed (undici has failed the client's requests already): the client leaves
   * the pool, as undici's Pool does (nodejs/undici#3895), and queued requests get a new client.
   */
  private retire(conn: Conn): void {
    if (conn.retired) return;
    conn.retired = true;
    conn.connected = conn.warming = false;
    remove(this.conns, conn);
    if (conn.idle) remove(this.idle, conn);
    conn.idle = false;
    void conn.client.close().catch(() => undefined);
    while (this.queueHead < this.queue.length) {
      const fresh = this.create();
      if (!fresh) break;
      const [opts, handler] = this.queue[this.queueHead] as Queued;
      this.queue[this.queueHead++] = undefined as unknown as Queued;
      if (this.queueHead === this.queue.length) this.resetQueue();
      this.run(fresh, opts, handler);
    }
  }

  private preconnect(conn: Conn): Promise<void> {
    conn.warming = true;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        conn.client.off('connect', done).off('connectionError', done);
        conn.warming = false;
        resolve();
      };
      conn.client.on('connect', done).on('connectionError', done);
      try {
        (conn.client as unknown as Record<symbol, (cb: () => void) => void>)[kConnect as symbol]?.(() => undefined);
      } catch {
        done();
      }
    });
  }
}

function remove<T>(list: T[], item: T): void {
  const at = list.indexOf(item);
  if (at >= 0) list.splice(at, 1);
}

/** Waits for `work`, or only until `signal` aborts; leaves no listener on the signal. */
async function untilAborted(work: Promise<unknown>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) {
    await work;
    return;
  }
  if (signal.aborted) return;
  let onAbort!: () => void;
  const aborted = new Promise<void>((resolve) => (onAbort = resolve));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
