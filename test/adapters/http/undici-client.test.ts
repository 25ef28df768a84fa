import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UndiciHttpClient } from '../../../lib/adapters/http/undici-client.ts';
import { HttpTransportError } from '../../../lib/core/errors.ts';
import type { HttpRequest } from '../../../lib/core/ports.ts';

const MAX_BYTES = 1024;
/** Requests that reached `/refused` (a route only requests undici must refuse are sent to). */
let refusedReached = 0;

/** Routes of the loopback target; each one produces one behaviour under test. */
const routes: Record<string, (req: IncomingMessage, res: ServerResponse, body: string) => void> = {
  '/ok': (_req, res) => res.end('hello'),
  '/busy': (_req, res) => {
    res.writeHead(503, { 'retry-after': '1' });
    res.end('busy');
  },
  '/echo': (req, res, body) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
  },
  '/slow': (_req, res) => {
    const timer = setTimeout(() => res.end('late'), 2000);
    res.on('close', () => clearTimeout(timer));
  },
  '/drip': (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const timer = setInterval(() => res.write('x'), 50);
    res.on('close', () => clearInterval(timer));
  },
  '/hang': () => undefined,
  '/refused': (_req, res) => {
    refusedReached++;
    res.end('should not be here');
  },
  '/destroy': (_req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('partial');
    setTimeout(() => res.socket?.destroy(), 20);
  },
  '/big-declared': (_req, res) => {
    res.writeHead(200, { 'content-length': String(MAX_BYTES + 1) });
    res.end('y'.repeat(MAX_BYTES + 1));
  },
  '/big-chunked': (_req, res) => {
    res.writeHead(200);
    for (let i = 0; i < 4; i++) res.write('z'.repeat(MAX_BYTES / 2));
    res.end();
  },
  '/exact': (_req, res) => res.end('é'.repeat(MAX_BYTES / 2)), // 2 bytes each: exactly the cap
};

let server: Server;
let base: string;
let client: UndiciHttpClient;

/** Starts a node:http server on 127.0.0.1:0 and returns it with its base URL. */
async function startServer(): Promise<{ server: Server; base: string }> {
  const s = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
      if (route) route(req, res, Buffer.concat(chunks).toString('utf8'));
      else res.writeHead(404).end();
    });
  });
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return { server: s, base: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

/** Closes a server, dropping keep-alive and hanging sockets first. */
async function stopServer(s: Server): Promise<void> {
  s.closeAllConnections();
  s.close();
  await once(s, 'close');
}

/** A GET with defaults suitable for these tests. */
function get(path: string, extra: Partial<HttpRequest> = {}): HttpRequest {
  return { method: 'GET', origin: base, path, headers: {}, timeoutMs: 5000, readBody: true, ...extra };
}

/** Runs `send` and returns the HttpTransportError it rejected with, plus the elapsed ms. */
async function failure(promise: Promise<unknown>): Promise<{ error: HttpTransportError; ms: number }> {
  const start = performance.now();
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpTransportError);
    return { error: error as HttpTransportError, ms: performance.now() - start };
  }
  throw new Error('expected send() to reject');
}

beforeAll(async () => {
  ({ server, base } = await startServer());
  client = new UndiciHttpClient({ maxResponseBytes: MAX_BYTES, connections: 10 });
});

afterAll(async () => {
  await client.close();
  await stopServer(server);
});

describe('Class: UndiciHttpClient', () => {
  describe('Method: send', () => {
    describe('HAPPY PATH', () => {
      it('resolves a 200 with status, lower-cased headers and body', async () => {
        const res = await client.send(get('/ok'));
        expect(res.status).toBe(200);
        expect(res.headers['content-length']).toBe('5');
        expect(res.body).toBe('hello');
      });

      it('resolves a 503 instead of throwing', async () => {
        const res = await client.send(get('/busy'));
        expect(res).toMatchObject({ status: 503, body: 'busy' });
        expect(res.headers['retry-after']).toBe('1');
      });

      it('delivers the method, query, headers and body of a POST', async () => {
        // Act
        const res = await client.send(get('/echo?x=1', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'X-Run-Id': 'run-42' },
          body: '{"order":7}',
        }));

        // Assess
        const echoed = JSON.parse(res.body) as { method: string; url: string; headers: Record<string, string>; body: string };
        expect(echoed).toMatchObject({ method: 'POST', url: '/echo?x=1', body: '{"order":7}' });
        expect(echoed.headers).toMatchObject({ 'content-type': 'application/json', 'x-run-id': 'run-42', 'user-agent': 'loadfleet/0.1.0' });
      });

      it('keeps a user-agent the request sets, in any case', async () => {
        const res = await client.send(get('/echo', { headers: { 'User-Agent': 'probe/1' } }));
        expect((JSON.parse(res.body) as { headers: Record<string, string> }).headers['user-agent']).toBe('probe/1');
      });

      it('returns an empty body when readBody is false', async () => {
        const res = await client.send(get('/ok', { readBody: false }));
        expect(res).toMatchObject({ status: 200, body: '' });
      });

      it('accepts a body of exactly maxResponseBytes, decoded as UTF-8', async () => {
        const res = await client.send(get('/exact'));
        expect(res.body).toBe('é'.repeat(MAX_BYTES / 2));
      });
    });

    describe('SAD PATH', () => {
      it('rejects with timeout when the response is slower than timeoutMs', async () => {
        const { error, ms } = await failure(client.send(get('/slow', { timeoutMs: 100 })));
        expect(error.kind).toBe('timeout');
        expect(error.code).toBe('HTTP_TIMEOUT');
        expect(ms).toBeLessThan(1000);
      });

      it('rejects with timeout when a drip-feeding target keeps the body going (slowloris)', async () => {
        const { error, ms } = await failure(client.send(get('/drip', { timeoutMs: 300 })));
        expect(error.kind).toBe('timeout');
        expect(ms).toBeLessThan(1500);
      });

      it('rejects with timeout for a drip-fed body even when it is discarded', async () => {
        const { error } = await failure(client.send(get('/drip', { timeoutMs: 300, readBody: false })));
        expect(error.kind).toBe('timeout');
      });

      it('rejects with connect when nothing listens on the port', async () => {
        // Prepare: take a free port, then close it
        const closed = await startServer();
        await stopServer(closed.server);

        // Act
        const { error } = await failure(client.send({ ...get('/ok'), origin: closed.base }));

        // Assess
        expect(error.kind).toBe('connect');
        expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
        expect(error.detail).toBe(`ECONNREFUSED ${new URL(closed.base).host}`);
      });

      it('rejects a request undici refuses (an invalid header) as invalid-request, sends nothing, and keeps its socket: the next request on a one-socket client goes out', async () => {
        // Prepare
        const single = new UndiciHttpClient({ connections: 1, maxResponseBytes: MAX_BYTES });

        // Act
        const { error } = await failure(single.send({ ...get('/refused'), headers: { 'x-bad': 'a\nb' } }));
        const badName = await failure(single.send({ ...get('/refused'), headers: { 'bad name': 'v' } }));
        const next = await single.send({ ...get('/ok'), timeoutMs: 2000 });
        await single.close();

        // Assess: the plan's fault, said as such (was: network), and the message holds no value
        expect(error.kind).toBe('invalid-request');
        expect(error.message).toBe('invalid-request: UND_ERR_INVALID_ARG invalid x-bad header');
        expect(badName.error.kind).toBe('invalid-request');
        expect(refusedReached).toBe(0);
        expect(next.status).toBe(200);
      });

      it('rejects with network when the server destroys the socket mid-response', async () => {
        const { error } = await failure(client.send(get('/destroy')));
        expect(error.kind).toBe('network');
        expect((error.cause as { code?: string }).code).toBe('UND_ERR_SOCKET');
      });

      it.each(['/big-declared', '/big-chunked'])('rejects with invalid-response for an oversized body (%s)', async (path) => {
        const { error } = await failure(client.send(get(path)));
        expect(error.kind).toBe('invalid-response');
        expect(error.message).toContain(`exceeds ${MAX_BYTES} bytes`);
      });

      it('rejects with aborted when the caller aborts mid-request', async () => {
        // Prepare
        const ac = new AbortController();
        const reason = new Error('run stopped');
        setTimeout(() => ac.abort(reason), 50);

        // Act
        const { error, ms } = await failure(client.send(get('/hang'), ac.signal));

        // Assess
        expect(error.kind).toBe('aborted');
        expect(error.cause).toBe(reason);
        expect(ms).toBeLessThan(1000);
      });

      it('rejects with aborted without sending when the signal is already aborted', async () => {
        const { error } = await failure(client.send(get('/ok'), AbortSignal.abort()));
        expect(error.kind).toBe('aborted');
      });

      it('still serves requests after the failures above (sockets were released)', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, () => client.send(get('/ok'))));
        expect(results.every((r) => r.status === 200 && r.body === 'hello')).toBe(true);
      });
    });
  });

  describe('Method: close', () => {
    it('closes the Agent it created, and is idempotent', async () => {
      // Prepare
      const own = new UndiciHttpClient();
      await own.send(get('/ok'));

      // Act + Assess
      await expect(own.close()).resolves.toBeUndefined();
      await expect(own.close()).resolves.toBeUndefined();
      const { error } = await failure(own.send(get('/ok')));
      expect(error.kind).toBe('network');
    });

    it('leaves an injected dispatcher open', async () => {
      // Prepare
      const dispatcher = new Agent();
      const borrowed = new UndiciHttpClient({ dispatcher });

      // Act
      await borrowed.close();

      // Assess: the dispatcher still works for its owner
      const res = await dispatcher.request({ origin: base, path: '/ok', method: 'GET' });
      expect(await res.body.text()).toBe('hello');
      await dispatcher.close();
    });
  });
});
