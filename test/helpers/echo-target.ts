import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the echo target received it. */
export interface EchoedRequest {
  readonly method: string;
  /** Path and query, as sent on the request line. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** A loopback target that keeps every request it receives and answers each with what it saw. */
export interface EchoTarget {
  readonly server: Server;
  readonly origin: string;
  readonly received: EchoedRequest[];
  close(): Promise<void>;
}

/**
 * Starts an `EchoTarget` on a free loopback port. Every request is answered `200` with the JSON
 * `{ status: "Pending", url, header, body }`, where `header` is the request's `echoHeader` value:
 * a plan can capture what it sent (a verify step reading back a secret, as a real API might).
 */
export async function startEchoTarget(echoHeader = 'x-token'): Promise<EchoTarget> {
  const received: EchoedRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers }, body });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'Pending', url: req.url, header: req.headers[echoHeader] ?? null, body }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
