import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { HttpClient, HttpRequest } from '../../core/ports.ts';

/** A client of the same class as the one that will send the burst (so V8's type feedback is shared). */
export type SinkClient = Pick<HttpClient, 'send' | 'close'> & Required<Pick<HttpClient, 'warm'>>;

/** How much the send-path warm-up does, at most. */
export interface SendPathWarmUpLimits {
  /** Requests sent to the sink. */
  readonly requests: number;
  /** Sockets to the sink: the requests go out this many at a time, the first ones on fresh sockets. */
  readonly connections: number;
  /** Wall-clock budget: no new round starts after it. */
  readonly maxMs: number;
}

/**
 * About what V8 needs to have the send path optimized (a few hundred calls of each function tier it up
 * from the interpreter): measured at 500 held requests, the release's median time per request fell
 * from ~25 to ~16 us with it; it costs ~50-300 ms of CPU, once per process, inside the start delay.
 */
export const SEND_PATH_WARM_UP: SendPathWarmUpLimits = { requests: 1000, connections: 50, maxMs: 400 };

const ANSWER = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';
const END_OF_HEAD = '\r\n\r\n';

/**
 * Runs the HTTP send path (our client, undici's `Client`, Node's socket writes) against a sink: an
 * in-process loopback server that answers `200 ok` to every request. The target never sees any of
 * it. A burst's release then runs optimized code instead of the interpreter on the very first
 * requests it writes. Stops early when `signal` aborts (the release) or after `limits.maxMs`;
 * resolves with the requests sent, never rejects (a sink that cannot listen just means no warm-up).
 */
export async function warmSendPath(makeClient: (connections: number) => SinkClient, signal?: AbortSignal, limits: SendPathWarmUpLimits = SEND_PATH_WARM_UP): Promise<number> {
  let server: Server | undefined;
  let client: SinkClient | undefined;
  let sent = 0;
  try {
    server = createServer(answerEveryRequest);
    const listening = server;
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(0, '127.0.0.1', () => resolve());
    });
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const until = performance.now() + limits.maxMs;
    client = makeClient(limits.connections);
    // Open sockets first, as before a release: the first request on each is written while sending it.
    await client.warm(origin, limits.connections, signal);
    // Shaped as the engine sends them (same properties in the same order, a caller's signal): code
    // optimized for other shapes would be thrown away (deoptimized) on the release's first requests.
    const get: HttpRequest = { method: 'GET', origin, path: '/warm-up?n=1', headers: {}, body: undefined, timeoutMs: 2000, readBody: false };
    const post: HttpRequest = { method: 'POST', origin, path: '/warm-up', headers: { 'content-type': 'application/json' }, body: '{"warm":"up"}', timeoutMs: 2000, readBody: true };
    const sink = client;
    const callerSignal = signal ?? new AbortController().signal;
    while (sent < limits.requests && !signal?.aborted && performance.now() < until) {
      await Promise.all(Array.from({ length: limits.connections }, (_, i) => sink.send(i % 2 === 0 ? get : post, callerSignal).catch(() => undefined)));
      sent += limits.connections;
    }
  } catch {
    // No sink (no loopback listen allowed, say): the burst goes out on cold code, as it would anyway.
  } finally {
    await client?.close().catch(() => undefined);
    server?.close();
  }
  return sent;
}

/** Answers each request of a keep-alive connection as soon as its head is in (bodies hold no blank line). */
function answerEveryRequest(socket: Socket): void {
  let tail = '';
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    const text = tail + chunk.toString('latin1');
    let answers = '';
    for (let at = text.indexOf(END_OF_HEAD); at >= 0; at = text.indexOf(END_OF_HEAD, at + END_OF_HEAD.length)) answers += ANSWER;
    // Keep the last bytes: a head's end may be split across two chunks.
    tail = text.slice(-(END_OF_HEAD.length - 1));
    if (answers) socket.write(answers);
  });
}
