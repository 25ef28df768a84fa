/**
 * Matrix row 10: a slowloris target (headers at once, then one body byte every 50 ms, for ever). The
 * per-request deadline covers the whole body, so every attempt ends as a `timeout` and gives its socket
 * back; undici's idle timers alone would never fire, as a byte arrives well within any idle timeout.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../lib/cli/run-command.ts';
import { tempDir, writeTemp } from './helpers.ts';

/** A loopback server that drips its body, counting requests and the sockets opened to it. */
interface DripServer {
  readonly url: string;
  requests: number;
  opened: number;
  close(): Promise<void>;
}

async function startDripServer(): Promise<DripServer> {
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((_req, res) => {
    drip.requests++;
    res.writeHead(200, { 'content-type': 'text/plain' });
    const timer = setInterval(() => res.write('.'), 50);
    timers.add(timer);
    res.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  });
  server.on('connection', () => {
    drip.opened++;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const drip: DripServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: 0,
    opened: 0,
    close: async () => {
      for (const timer of timers) clearInterval(timer);
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  return drip;
}

let drip: DripServer | undefined;
afterEach(async () => {
  await drip?.close();
  drip = undefined;
});

describe('a slowloris target (fault matrix row 10)', () => {
  it('ends every attempt at its deadline as a timeout and gives its socket back', async () => {
    // Prepare: 2 users for 1 s on 2 sockets, each request with a 300 ms deadline; no retries, no
    // breaker, no abort rule, so every attempt the users make is sent and ends on its own deadline.
    drip = await startDripServer();
    const plan = writeTemp('slowloris.yaml', `kind: custom
name: slowloris
target: { baseUrl: "${drip.url}", timeout: 300ms, retry: { max: 0 }, circuitBreaker: false, maxConnections: 2 }
requests:
  drip: { path: /drip, retry: false }
lifecycle: [ { request: drip } ]
load: { model: vus, vus: 2, duration: 1s }
limits: { abortOnErrorRate: false }
`);

    // Act
    const { report } = await runCommand(plan, { out: tempDir(), quiet: true });

    // Assess: every attempt reached the target, and every one ended as a timeout
    const endpoint = report?.endpoints.drip;
    expect(endpoint?.attempts).toBe(drip.requests);
    expect(drip.requests).toBeGreaterThanOrEqual(2);
    expect(endpoint?.errors).toEqual({ timeout: drip.requests });
    expect(report?.lifecycles).toMatchObject({ planned: drip.requests, failed: drip.requests, completed: 0, dropped: 0, inProgress: 0 });
    // A timed-out attempt gives its socket back: with 2 sockets in the pool, a socket kept by a dripping
    // body would leave the next attempts waiting for one (they would time out unsent, and the target
    // would count fewer requests than the report). Each attempt had a fresh socket: a socket is
    // destroyed with its timed-out request, never reused mid-body.
    expect(drip.opened).toBe(drip.requests);
    // The body would drip for an hour: the run ending at all shows the deadlines fired.
    expect(report?.status).toBe('completed');
  });
});
