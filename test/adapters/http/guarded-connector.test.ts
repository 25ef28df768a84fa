import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UndiciHttpClient } from '../../../lib/adapters/http/undici-client.ts';
import { fleetPolicy, localPolicy, type AllowlistPolicy } from '../../../lib/core/allowlist/allowlist.ts';
import { HttpTransportError } from '../../../lib/core/errors.ts';
import type { HttpRequest } from '../../../lib/core/ports.ts';
import { spyOnConnect, type ConnectSpy } from '../../helpers/connect-spy.ts';
import { startRecordingTarget, type RecordingTarget } from '../../helpers/recording-target.ts';

/** A name no real resolver knows (`.test` is reserved): only the test's lookup ever answers it. */
const NAME = 'api.loadfleet.test';

/** A lookup that answers every name with `addresses`, and counts its calls. */
function fakeLookup(...addresses: string[]): LookupFunction & { calls: string[] } {
  const calls: string[] = [];
  const lookup = ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    calls.push(hostname);
    const all: LookupAddress[] = addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    setImmediate(() => (options.all ? callback(null, all) : callback(null, all[0]?.address, all[0]?.family)));
  }) as unknown as LookupFunction & { calls: string[] };
  return Object.assign(lookup, { calls });
}

const request = (origin: string): HttpRequest => ({ method: 'GET', origin, path: '/x', headers: {}, timeoutMs: 5000, readBody: true });

async function refusal(client: UndiciHttpClient, origin: string): Promise<HttpTransportError> {
  const error = await client.send(request(origin)).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(HttpTransportError);
  return error as HttpTransportError;
}

let target: RecordingTarget;
let spy: ConnectSpy;
let client: UndiciHttpClient | undefined;
beforeEach(async () => {
  target = await startRecordingTarget('127.0.0.1');
  spy = spyOnConnect();
});
afterEach(async () => {
  spy.restore();
  await client?.close();
  client = undefined;
  await target.close();
});

const make = (policy: AllowlistPolicy, lookup: LookupFunction): UndiciHttpClient => (client = new UndiciHttpClient({ allowlist: policy, lookup }));

describe('Class: UndiciHttpClient, the address check at connect time', () => {
  describe('HAPPY PATH', () => {
    it('connects when an allowed name resolves to loopback (local runs)', async () => {
      const lookup = fakeLookup('127.0.0.1');
      const res = await make(localPolicy([NAME]), lookup).send(request(`http://${NAME}:${target.port}`));

      expect(res.status).toBe(200);
      expect(lookup.calls).toEqual([NAME]);
      expect(spy.attempts).toEqual([`127.0.0.1:${target.port}`]);
      expect(target.received.map((r) => [r.line, r.headers.host])).toEqual([['GET /x', `${NAME}:${target.port}`]]);
    });

    it('tries only the allowed addresses of a name that resolves to a private one too', async () => {
      const res = await make(localPolicy([NAME]), fakeLookup('10.0.0.1', '127.0.0.1')).send(request(`http://${NAME}:${target.port}`));

      expect(res.status).toBe(200);
      expect(spy.attempts).toEqual([`127.0.0.1:${target.port}`]);
    });

    it('connects to a loopback address on the fleet when the stack lists that address', async () => {
      const res = await make(fleetPolicy(['127.0.0.1']), fakeLookup()).send(request(target.origin));
      expect(res.status).toBe(200);
    });
  });

  describe('SAD PATH', () => {
    it('refuses an allowed name that resolves to a private address: no connection, and the error names both', async () => {
      const lookup = fakeLookup('10.0.0.1');
      const error = await refusal(make(localPolicy([NAME]), lookup), `http://${NAME}:${target.port}`);

      expect(error.kind).toBe('connect');
      expect(error.message).toBe(`refused: ${NAME} resolved to 10.0.0.1, a private address not on the allowlist (pass --allow-host 10.0.0.1 if you own it)`);
      expect(error.detail).toBe('10.0.0.1 not allowed (private)'); // what the failure reason shows
      expect(lookup.calls).toEqual([NAME]);
      expect(spy.attempts).toEqual([]);
      expect(target.connections).toBe(0);
    });

    it.each([
      ['169.254.169.254', 'a cloud metadata address: loadfleet never connects to it, even when allowed'],
      ['fd00:ec2::254', 'a cloud metadata address: loadfleet never connects to it, even when allowed'],
      ['::ffff:169.254.169.254', 'a cloud metadata address: loadfleet never connects to it, even when allowed'],
      ['169.254.1.1', 'a link-local address not on the allowlist (pass --allow-host 169.254.1.1 if you own it)'],
      ['fe80::1', 'a link-local address not on the allowlist (pass --allow-host fe80::1 if you own it)'],
      ['0.0.0.0', 'an unspecified address not on the allowlist (pass --allow-host 0.0.0.0 if you own it)'],
      ['100.64.0.1', 'a private address not on the allowlist (pass --allow-host 100.64.0.1 if you own it)'],
      ['fd12::1', 'a private address not on the allowlist (pass --allow-host fd12::1 if you own it)'],
    ])('refuses a name resolving to %s, even with that address allowed when it is metadata', async (address, why) => {
      const shown = address === '::ffff:169.254.169.254' ? '::ffff:a9fe:a9fe' : address;
      const policy = localPolicy([NAME, '169.254.169.254', 'fd00:ec2::254']);
      const error = await refusal(make(policy, fakeLookup(address)), `http://${NAME}:${target.port}`);

      expect(error.message).toBe(`refused: ${NAME} resolved to ${shown}, ${why}`);
      expect(error.detail).toMatch(/^\S+ (never allowed \(metadata\)|not allowed \((link-local|unspecified|private)\))$/);
      expect(spy.attempts).toEqual([]);
    });

    it('refuses a private address target at once, before any socket is made', async () => {
      const error = await refusal(make(localPolicy([]), fakeLookup()), 'http://10.0.0.1:9');

      expect(error.message).toBe('refused: 10.0.0.1, a private address not on the allowlist (pass --allow-host 10.0.0.1 if you own it)');
      expect(error.detail).toBe('10.0.0.1 not allowed (private)');
      expect(spy.calls).toBe(0);
    });

    it('refuses loopback on the fleet unless the stack lists the address itself', async () => {
      const lookup = fakeLookup('127.0.0.1');
      const error = await refusal(make(fleetPolicy([NAME]), lookup), `http://${NAME}:${target.port}`);

      expect(error.message).toBe(`refused: ${NAME} resolved to 127.0.0.1, a loopback address not on the allowlist (list the address itself in loadfleet.allowedHosts if you own it)`);
      expect(spy.attempts).toEqual([]);
      expect(target.connections).toBe(0);
    });

    it('checks the address of every connection: a name that re-resolves to a private address is refused then', async () => {
      // Prepare: the first answer is loopback, every later one private (DNS rebinding); the target closes
      // each connection after its answer, so every request connects anew
      const closing = await startRecordingTarget('127.0.0.1', () => ({ headers: { connection: 'close' } }));
      let answers = 0;
      const lookup = ((_h: string, o: { all?: boolean }, cb: (...args: unknown[]) => void) => {
        const address = answers++ === 0 ? '127.0.0.1' : '10.0.0.1';
        setImmediate(() => (o.all ? cb(null, [{ address, family: 4 }]) : cb(null, address, 4)));
      }) as unknown as LookupFunction;
      client = new UndiciHttpClient({ allowlist: localPolicy([NAME]), lookup, connections: 1 });
      const origin = `http://${NAME}:${closing.port}`;

      try {
        // Act
        const first = await client.send(request(origin));
        const error = await refusal(client, origin);

        // Assess
        expect(first.status).toBe(200);
        expect(error.message).toContain(`refused: ${NAME} resolved to 10.0.0.1, a private address`);
        expect({ lookups: answers, connections: closing.connections, requests: closing.received.length }).toEqual({ lookups: 2, connections: 1, requests: 1 });
      } finally {
        await closing.close();
      }
    });
  });
});
