import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCountingTarget, stopCountingTarget, type CountingTarget } from '../../helpers/counting-target.ts';
import { CAN_PRECONNECT } from '../../../lib/adapters/http/origin-pool.ts';
import { SEND_PATH_WARM_UP, warmSendPath } from '../../../lib/adapters/http/send-path-warm-up.ts';
import { UndiciHttpClient } from '../../../lib/adapters/http/undici-client.ts';
import { HttpTransportError } from '../../../lib/core/errors.ts';
import type { HttpRequest } from '../../../lib/core/ports.ts';

const get = (origin: string): HttpRequest => ({ method: 'GET', origin, path: '/claim', headers: {}, timeoutMs: 5000, readBody: true });

/** Waits (up to 2 s) until `done()`: the target accepts a connection after the client sees it open. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await sleep(10);
}

/** A port nothing listens on (listened on, then closed). */
async function deadPort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  s.close();
  await once(s, 'close');
  return port;
}

let target: CountingTarget;
let client: UndiciHttpClient;

beforeEach(async () => {
  target = await startCountingTarget();
});

afterEach(async () => {
  await client.close();
  await stopCountingTarget(target);
});

describe('Class: UndiciHttpClient', () => {
  describe('Method: warm', () => {
    it('finds undici\'s pre-connect (Client[kConnect]): an undici without it would warm nothing', () => {
      client = new UndiciHttpClient();
      expect(CAN_PRECONNECT).toBe(true);
    });

    describe('HAPPY PATH', () => {
      it('opens N connections and sends no request on them; N requests then go out on those same connections', async () => {
        // Prepare
        client = new UndiciHttpClient({ connections: 8 });

        // Act
        const ready = await client.warm(target.origin, 8);
        await until(() => target.connections === 8);
        await sleep(20);
        const before = { connections: target.connections, requests: target.requests };
        const answers = await Promise.all(Array.from({ length: 8 }, () => client.send(get(target.origin))));

        // Assess
        expect(ready).toBe(8);
        expect(before).toEqual({ connections: 8, requests: 0 });
        expect(answers.every((a) => a.status === 200 && a.body === 'ok')).toBe(true);
        expect({ connections: target.connections, requests: target.requests }).toEqual({ connections: 8, requests: 8 });
      });

      it('opens at most the per-origin cap, and nothing more when asked again', async () => {
        // Prepare
        client = new UndiciHttpClient({ connections: 3 });

        // Act
        const first = await client.warm(target.origin, 10);
        const again = await client.warm(`${target.origin}/ignored/path`, 10);
        await until(() => target.connections === 3);
        await sleep(20);

        // Assess
        expect([first, again]).toEqual([3, 3]);
        expect({ connections: target.connections, requests: target.requests }).toEqual({ connections: 3, requests: 0 });
      });

      it('reopens connections the target closed while they were idle', async () => {
        // Prepare
        client = new UndiciHttpClient({ connections: 4 });
        await client.warm(target.origin, 4);
        await until(() => target.connections === 4);

        // Act: the target drops its idle connections (as a server idle timeout would), then a re-warm
        for (const socket of target.sockets) socket.destroy();
        await sleep(50);
        const ready = await client.warm(target.origin, 4);
        const answers = await Promise.all(Array.from({ length: 4 }, () => client.send(get(target.origin))));

        // Assess
        expect(ready).toBe(4);
        expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
        expect({ connections: target.connections, requests: target.requests }).toEqual({ connections: 8, requests: 4 });
      });

      it('queues requests beyond the cap on the open connections', async () => {
        // Prepare
        client = new UndiciHttpClient({ connections: 3 });
        await client.warm(target.origin, 3);

        // Act
        const answers = await Promise.all(Array.from({ length: 20 }, () => client.send(get(target.origin))));

        // Assess
        expect(answers.every((a) => a.status === 200)).toBe(true);
        expect({ connections: target.connections, requests: target.requests }).toEqual({ connections: 3, requests: 20 });
      });
    });

    describe('SAD PATH', () => {
      it('resolves 0 (never rejects) when nothing listens; the request that needs the connection fails as connect', async () => {
        // Prepare
        client = new UndiciHttpClient({ connections: 4 });
        const origin = `http://127.0.0.1:${await deadPort()}`;

        // Act
        const ready = await client.warm(origin, 4);
        const error = await client.send(get(origin)).catch((e: unknown) => e);

        // Assess
        expect(ready).toBe(0);
        expect(error).toBeInstanceOf(HttpTransportError);
        expect((error as HttpTransportError).kind).toBe('connect');
      });

      it('opens nothing through an injected dispatcher, after close, or with an aborted signal', async () => {
        // Prepare
        const dispatcher = new Agent();
        const borrowed = new UndiciHttpClient({ dispatcher });
        const closed = new UndiciHttpClient();
        await closed.close();
        client = new UndiciHttpClient();

        // Act
        const results = [
          await borrowed.warm(target.origin, 4),
          await closed.warm(target.origin, 4),
          await client.warm(target.origin, 4, AbortSignal.abort()),
        ];
        await sleep(50);

        // Assess
        expect(results).toEqual([0, 0, 0]);
        expect(target.connections).toBe(0);
        await dispatcher.close();
      });
    });
  });

  describe('Function: warmSendPath', () => {
    it('sends its requests to an in-process sink, never to the target being warmed for', async () => {
      // Prepare
      client = new UndiciHttpClient({ connections: 4 });
      await client.warm(target.origin, 4);

      // Act: a warm-up of its own, next to the one warm() started
      const sent = await warmSendPath((n) => new UndiciHttpClient({ connections: n }), undefined, { requests: 40, connections: 5, maxMs: 5000 });
      await sleep(SEND_PATH_WARM_UP.maxMs);

      // Assess
      expect(sent).toBe(40);
      expect(target.requests).toBe(0);
    });

    it('sends nothing once its signal has aborted (the release came)', async () => {
      // Prepare
      client = new UndiciHttpClient();

      // Act
      const sent = await warmSendPath((n) => new UndiciHttpClient({ connections: n }), AbortSignal.abort(), { requests: 40, connections: 5, maxMs: 5000 });

      // Assess
      expect(sent).toBe(0);
    });
  });
});
