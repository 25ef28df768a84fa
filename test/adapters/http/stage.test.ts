import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CAN_SEE_REFUSALS } from '../../../lib/adapters/http/origin-pool.ts';
import { UndiciHttpClient } from '../../../lib/adapters/http/undici-client.ts';
import { HttpTransportError } from '../../../lib/core/errors.ts';
import type { HttpRequest } from '../../../lib/core/ports.ts';
import { startCountingTarget, stopCountingTarget, type CountingTarget } from '../../helpers/counting-target.ts';

const get = (origin: string, path: string): HttpRequest => ({ method: 'GET', origin, path, headers: {}, timeoutMs: 5000, readBody: true });
const post = (origin: string, path: string): HttpRequest => ({ method: 'POST', origin, path, headers: { 'content-type': 'application/json' }, body: '{"claim":1}', timeoutMs: 5000, readBody: true });

let target: CountingTarget;
let client: UndiciHttpClient;

beforeEach(async () => {
  target = await startCountingTarget();
  client = new UndiciHttpClient({ connections: 8 });
});

afterEach(async () => {
  await client.close();
  await stopCountingTarget(target);
});

describe('Class: UndiciHttpClient', () => {
  describe('Method: stage', () => {
    it('holds staged requests on open sockets, unsent, until each is released', async () => {
      // Prepare: 3 open sockets, 2 of them take staged requests (a GET and a POST with a body)
      await client.warm(target.origin, 3);
      const a = client.stage(get(target.origin, '/staged-a'));
      const b = client.stage(post(target.origin, '/staged-b'));

      // Act: a plain request on the third socket makes a full round trip while the two are held, and
      // the target gets 100 ms more (bytes sent at the staging would be in by then: never a false red)
      const plain = await client.send(get(target.origin, '/plain'), undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const seenWhileHeld = [...target.paths];
      a?.release();
      b?.release();
      const answers = await Promise.all([a?.response, b?.response]);

      // Assess
      expect(plain.status).toBe(200);
      expect(seenWhileHeld).toEqual(['/plain']);
      expect(answers.map((r) => [r?.status, r?.body])).toEqual([[200, 'ok'], [200, 'ok']]);
      expect(target.paths.sort()).toEqual(['/plain', '/staged-a', '/staged-b']);
      expect(target.connections).toBe(3);
    });

    it('stages nothing without an idle open socket: the caller sends the request itself', async () => {
      // Prepare: no warm-up, so the origin has no pool yet; then one socket, busy with the first staged
      const none = client.stage(get(target.origin, '/x'));
      await client.warm(target.origin, 1);
      const first = client.stage(get(target.origin, '/first'));

      // Act
      const second = client.stage(get(target.origin, '/second'));
      first?.release();
      await first?.response;

      // Assess
      expect(none).toBeUndefined();
      expect(first).toBeDefined();
      expect(second).toBeUndefined();
      expect(target.paths).toEqual(['/first']);
    });
  });

  describe('SAD PATH', () => {
    it('cancels a staged request unsent: it rejects as aborted and the target never sees it', async () => {
      // Prepare
      await client.warm(target.origin, 2);
      const staged = client.stage(get(target.origin, '/cancelled'));

      // Act
      staged?.cancel();
      const error = await staged?.response.catch((e: unknown) => e);
      const after = await client.send(get(target.origin, '/after'), undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));

      // Assess
      expect(error).toBeInstanceOf(HttpTransportError);
      expect((error as HttpTransportError).kind).toBe('aborted');
      expect(after.status).toBe(200);
      expect(target.paths).toEqual(['/after']);
    });

    it('finds undici\'s request count (Client[kSize]): without it a refused request would cost its socket', () => {
      expect(CAN_SEE_REFUSALS).toBe(true);
    });

    it('leaves no socket corked or lost behind a request undici refuses (an invalid header): the next one goes out', async () => {
      // Prepare: one socket, and a header value undici will not write
      client = new UndiciHttpClient({ connections: 1 });
      await client.warm(target.origin, 1);
      const refused = client.stage({ ...get(target.origin, '/refused'), headers: { 'x-bad': 'a\nb' } });

      // Act
      const error = await refused?.response.catch((e: unknown) => e);
      const next = await client.send({ ...get(target.origin, '/next'), timeoutMs: 2000 }, undefined);

      // Assess
      expect(error).toBeInstanceOf(HttpTransportError);
      expect((error as Error).message).toContain('invalid x-bad header');
      expect(next.status).toBe(200);
      expect(target.paths).toEqual(['/next']);
    });

    it('starts the deadline at the release, not at the staging', async () => {
      // Prepare: a 50 ms deadline, staged 120 ms before its release
      await client.warm(target.origin, 1);
      const staged = client.stage({ ...get(target.origin, '/late'), timeoutMs: 50 });
      await new Promise((resolve) => setTimeout(resolve, 120));

      // Act
      staged?.release();
      const res = await staged?.response;

      // Assess
      expect(res?.status).toBe(200);
    });
  });
});
