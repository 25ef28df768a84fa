import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A loopback target that counts what it receives: TCP connections apart from HTTP requests. */
export interface CountingTarget {
  readonly server: Server;
  readonly origin: string;
  connections: number;
  requests: number;
  /** The path (with query) of every request received, in order. */
  readonly paths: string[];
  /** Every socket it accepted, to drop them as a server idle timeout would. */
  readonly sockets: Socket[];
}

/** Starts a `CountingTarget` on a free loopback port; it answers `200 ok` to everything. */
export async function startCountingTarget(): Promise<CountingTarget> {
  const server = createServer((req, res) => {
    target.requests++;
    target.paths.push(req.url ?? '');
    res.end('ok');
  });
  const target: CountingTarget = { server, origin: '', connections: 0, requests: 0, paths: [], sockets: [] };
  server.on('connection', (socket: Socket) => {
    target.connections++;
    target.sockets.push(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return Object.assign(target, { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

/** Closes every connection of `target` and stops it. */
export async function stopCountingTarget(target: CountingTarget): Promise<void> {
  target.server.closeAllConnections();
  target.server.close();
  await once(target.server, 'close');
}
