import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a `RecordingTarget` answers. */
export interface Answer {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Objects are sent as JSON. */
  readonly body?: unknown;
}

/** One request as it arrived: the request line's method and target, exactly as sent, and the headers. */
export interface Received {
  readonly line: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * A loopback listener that records the raw request target of every request (Node's `req.url` is the
 * request line's target, not normalised) and counts connections. It answers from `answer`.
 */
export interface RecordingTarget {
  readonly origin: string;
  readonly port: number;
  readonly received: Received[];
  connections: number;
  close(): Promise<void>;
}

/** Starts a `RecordingTarget` on `host` (a loopback address: 127.0.0.1 or 127.0.0.2) and a free port. */
export async function startRecordingTarget(host: string, answer: (line: string) => Answer = () => ({})): Promise<RecordingTarget> {
  const server: Server = createServer((req, res) => {
    const line = `${req.method} ${req.url}`;
    target.received.push({ line, headers: req.headers });
    const { status = 200, headers = {}, body = {} } = answer(line);
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  server.on('connection', () => target.connections++);
  server.listen(0, host);
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const target: RecordingTarget = {
    origin: `http://${host}:${port}`,
    port,
    received: [],
    connections: 0,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  return target;
}
