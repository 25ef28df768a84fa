import dns, { type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { HttpTransportError } from '../../core/errors.ts';
import { checkAddress, type AllowlistPolicy, type Verdict } from '../../core/allowlist/allowlist.ts';
import { buildConnector } from './undici-parts.ts';

/** What a guarded connector checks against, and how it resolves names. */
export interface ConnectGuard {
  /** The allowlist every address is checked against. */
  readonly policy: AllowlistPolicy;
  /** Resolves names (node:dns `lookup` by default); tests pass their own, so no test resolves a real name. */
  readonly lookup?: LookupFunction | undefined;
}

/**
 * An undici connector (one per origin: `port` is the origin's) that checks the address of every
 * connection before it is made, with `checkAddress`: an IP address target at once, a name once it has
 * been resolved (through a `lookup` handed to `net.connect`/`tls.connect`, which undici passes
 * through). A name is checked on every connection, not once per run, so one that resolves to a
 * public address first cannot be re-pointed at a private or metadata address later (DNS rebinding).
 *
 * Of the addresses a name resolves to, only the allowed ones are tried; when none is allowed the
 * connection fails with a `connect` `HttpTransportError` naming the name and the address, and no
 * socket connects anywhere.
 */
export function guardedConnector(guard: ConnectGuard, port: number): buildConnector.connector {
  // `dns.lookup` is read at each call, so a test can stand in for the resolver of a whole CLI run.
  const resolve: LookupFunction = guard.lookup ?? ((hostname, options, callback) => dns.lookup(hostname, options, callback as never));
  const checked: LookupFunction = (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, found, family) => {
      if (error) return callback(error, '', 0);
      const addresses: LookupAddress[] = typeof found === 'string' ? [{ address: found, family: family ?? isIP(found) }] : found;
      const allowed: LookupAddress[] = [];
      let refusal: Extract<Verdict, { allowed: false }> | undefined;
      for (const entry of addresses) {
        const verdict = checkAddress(hostname, entry.address, port, guard.policy);
        if (verdict.allowed) allowed.push(entry);
        else refusal ??= verdict;
      }
      const first = allowed[0];
      if (!first) return callback(refused(refusal ?? { allowed: false, reason: `refused: ${hostname} resolved to no address`, detail: `${hostname} resolved to nothing` }), '', 0);
      if (options.all) (callback as unknown as (err: null, all: LookupAddress[]) => void)(null, allowed);
      else callback(null, first.address, first.family);
    });
  };
  const connect = buildConnector({ lookup: checked } as buildConnector.BuildOptions);
  return (options, callback) => {
    // net.connect calls no lookup for an IP address: an address target is checked here.
    const host = options.hostname.startsWith('[') ? options.hostname.slice(1, -1) : options.hostname;
    if (isIP(host) !== 0) {
      const verdict = checkAddress(host, host, port, guard.policy);
      if (!verdict.allowed) {
        callback(refused(verdict), null);
        return;
      }
    }
    return connect(options, callback);
  };
}

/** The `connect` error of a refused address: its message for logs, its detail for the failure reason. */
function refused(verdict: Extract<Verdict, { allowed: false }>): HttpTransportError {
  return new HttpTransportError('connect', verdict.reason, { detail: verdict.detail });
}
