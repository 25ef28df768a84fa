import { createRequire } from 'node:module';
import type { LookupAddress } from 'node:dns';
import type * as Net from 'node:net';

// The CommonJS exports object of node:net: the very object undici calls `net.connect` on.
const net = createRequire(import.meta.url)('node:net') as typeof Net;

/** What `spyOnConnect` saw. */
export interface ConnectSpy {
  /** Calls of `net.connect` (a socket made, whether or not it ever connects). */
  calls: number;
  /** Every `address:port` a socket was about to connect to (an address target, or what a lookup gave). */
  readonly attempts: string[];
  /** Puts the real `net.connect` back. */
  restore(): void;
}

const isLoopback = (address: string): boolean => address.startsWith('127.') || address === '::1';

/**
 * Replaces `net.connect` with a recording wrapper for the duration of a test, and makes it a safety net:
 * a connection to anything but loopback fails at once (the test sees an error instead of traffic
 * leaving the machine), and a name is never resolved by real DNS (a socket given no `lookup` gets one
 * that fails). The addresses a lookup yields are recorded as the attempts they are about to become.
 */
export function spyOnConnect(): ConnectSpy {
  const original = net.connect;
  const connect = (options: Net.NetConnectOpts): Net.Socket => (original as (o: Net.NetConnectOpts) => Net.Socket).call(net, options);
  const spy: ConnectSpy = { calls: 0, attempts: [], restore: () => void (net.connect = original) };
  const wrapper = (options: Net.NetConnectOpts): Net.Socket => {
    spy.calls++;
    const tcp = options as Net.TcpNetConnectOpts;
    const host = tcp.host ?? 'localhost';
    if (net.isIP(host) !== 0) {
      if (!isLoopback(host)) throw new Error(`test safety: refused to connect to ${host}`);
      spy.attempts.push(`${host}:${tcp.port}`);
      return connect(options);
    }
    const given = tcp.lookup;
    const lookup: Net.LookupFunction = (hostname, opts, callback) => {
      if (!given) return callback(new Error(`test safety: no lookup given for ${hostname}, not resolving it with real DNS`), '', 0);
      given(hostname, opts, (error, found, family) => {
        if (error) return callback(error, '', 0);
        const list: LookupAddress[] = typeof found === 'string' ? [{ address: found, family: family ?? 4 }] : found;
        const outside = list.find((entry) => !isLoopback(entry.address));
        if (outside) return callback(new Error(`test safety: refused to connect to ${outside.address}`), '', 0);
        for (const entry of list) spy.attempts.push(`${entry.address}:${tcp.port}`);
        (callback as (...args: unknown[]) => void)(null, found, family);
      });
    };
    return connect({ ...tcp, lookup });
  };
  net.connect = wrapper as typeof net.connect;
  return spy;
}
