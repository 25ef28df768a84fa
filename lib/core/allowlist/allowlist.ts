import { LoadfleetError } from '../errors.ts';
import { canonicalHost, classifyHost, type HostClass } from './address.ts';

/**
 * The one allowlist of loadfleet. Every command that can send traffic (`run`, `hit`, `demo`), `validate`,
 * the fleet's Plan step (and so scheduled runs) and its workers check a plan's target with
 * `assertTargetAllowed`; the HTTP client checks every address it connects to with `checkAddress`.
 *
 * Rules, in order:
 * 1. Cloud metadata and credential endpoints (169.254.169.254, fd00:ec2::254, ...) are always refused.
 * 2. A host (or address) on the list is allowed: exact `host` or `host:port`.
 * 3. Loopback is allowed by default locally (the CLI); the fleet allows only what its stack lists.
 * 4. Otherwise: a name or a public address needs to be on the list (step 2) to be a target. Once a listed
 *    name resolves, its addresses may be public; a private, link-local, loopback (fleet) or unspecified
 *    address is refused unless that address itself is on the list, so a listed name cannot be
 *    re-pointed (DNS rebinding) at an internal service.
 */
export interface AllowlistPolicy {
  /** Where the list comes from: `--allow-host` (local runs) or the stack's `allowedHosts` (fleet). */
  readonly scope: 'local' | 'fleet';
  /** The allowed entries, canonical. */
  readonly entries: readonly HostEntry[];
}

/** One allowlist entry: a canonical host, and a port when the entry names one. */
export interface HostEntry {
  readonly host: string;
  readonly port?: number | undefined;
}

/** The answer of a check: allowed, or refused with a message that says why and what to do. */
/**
 * A check's answer. A refusal has a `reason` for messages and, from `checkAddress`, a short `detail`
 * (`10.0.0.1 not allowed (private)`) that names the cause in failure reasons: one per address, so few.
 */
export type Verdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string; readonly detail?: string };

/** `TargetNotAllowedError` refuses a target the allowlist does not allow, or an allowlist entry it cannot read. */
export class TargetNotAllowedError extends LoadfleetError {
  constructor(message: string) {
    super('TARGET_NOT_ALLOWED', message);
  }
}

/** The policy of local runs: loopback, plus each `--allow-host` entry. Throws on an entry that is not a host. */
export function localPolicy(allowHosts: readonly string[]): AllowlistPolicy {
  return { scope: 'local', entries: allowHosts.map((text) => parseEntry(text, '--allow-host')) };
}

/** The policy of the deployed fleet: exactly the stack's `allowedHosts`. Throws on an entry that is not a host. */
export function fleetPolicy(allowedHosts: readonly string[]): AllowlistPolicy {
  return { scope: 'fleet', entries: allowedHosts.map((text) => parseEntry(text, 'loadfleet.allowedHosts')) };
}

/**
 * Checks the target of `baseUrl` (an http(s) URL) against `policy`: its host and port, as the URL
 * parser reads them (so `http://2130706433/` is 127.0.0.1).
 *
 * @example
 * checkTarget('http://169.254.169.254/', localPolicy(['169.254.169.254'])).allowed // false: metadata
 */
export function checkTarget(baseUrl: string, policy: AllowlistPolicy): Verdict {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return { allowed: false, reason: 'the target is not a valid URL' };
  }
  const host = canonicalHost(url.hostname);
  if (host === undefined) return { allowed: false, reason: 'the target has no valid host' };
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const kind = classifyHost(host);
  if (kind === 'metadata') return { allowed: false, reason: metadataReason(host, policy) };
  if (listed(policy, host, port) || (kind === 'loopback' && policy.scope === 'local')) return { allowed: true };
  const shown = displayHost(host, url.port);
  if (policy.scope === 'fleet') {
    const list = policy.entries.length > 0 ? policy.entries.map((e) => displayHost(e.host, e.port?.toString() ?? '')).join(', ') : 'nothing yet';
    return {
      allowed: false,
      reason: `target host "${shown}" is not on the stack's allowlist (${list})${classNote(kind)}. Add it to the "loadfleet.allowedHosts" context in cdk.json and redeploy, for a system you own and may load-test.`,
    };
  }
  return {
    allowed: false,
    reason:
      `target host "${shown}" is not on the allowlist${classNote(kind)}. Local runs may only target loopback (127.0.0.0/8, ::1, localhost) ` +
      `unless you pass --allow-host ${shown} for a system you own and may load-test.`,
  };
}

/** Throws `TargetNotAllowedError` unless `checkTarget` allows `baseUrl`. */
export function assertTargetAllowed(baseUrl: string, policy: AllowlistPolicy): void {
  const verdict = checkTarget(baseUrl, policy);
  if (!verdict.allowed) throw new TargetNotAllowedError(verdict.reason);
}

/**
 * Checks an address a connection is about to be made to: `address` is what `name` resolved to (the
 * same text when the target is an IP address), `port` the target's port. A public address is allowed
 * (the name itself was checked by `checkTarget`); see the rules on `AllowlistPolicy` for the rest.
 *
 * @example
 * checkAddress('api.example', '10.0.0.1', 443, localPolicy(['api.example']))
 * // refused: api.example resolved to 10.0.0.1, a private address not on the allowlist (...)
 */
export function checkAddress(name: string, address: string, port: number, policy: AllowlistPolicy): Verdict {
  const host = canonicalHost(address);
  if (host === undefined) return { allowed: false, reason: `refused: ${name} resolved to something that is not an address` };
  const kind = classifyHost(host);
  const what = name === address ? `refused: ${host}` : `refused: ${name} resolved to ${host}`;
  if (kind === 'metadata') return { allowed: false, reason: `${what}, a cloud metadata address: loadfleet never connects to it, even when allowed`, detail: `${host} never allowed (metadata)` };
  if (kind === 'public' || listed(policy, host, port) || (kind === 'loopback' && policy.scope === 'local')) return { allowed: true };
  const hint = policy.scope === 'local' ? `pass --allow-host ${displayHost(host, '')} if you own it` : 'list the address itself in loadfleet.allowedHosts if you own it';
  return { allowed: false, reason: `${what}, ${article(kind)} address not on the allowlist (${hint})`, detail: `${host} not allowed (${kind})` };
}

/** True for a host name or address that always means this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const canonical = canonicalHost(host);
  return canonical !== undefined && classifyHost(canonical) === 'loopback';
}

function listed(policy: AllowlistPolicy, host: string, port: number): boolean {
  return policy.entries.some((entry) => entry.host === host && (entry.port === undefined || entry.port === port));
}

function metadataReason(host: string, policy: AllowlistPolicy): string {
  const even = policy.scope === 'local' ? 'even with --allow-host' : 'even when listed in loadfleet.allowedHosts';
  return `target host "${host}" is a cloud metadata address (where instance credentials live): loadfleet never sends to it, ${even}`;
}

function classNote(kind: HostClass): string {
  return kind === 'name' || kind === 'public' ? '' : ` (${article(kind)} address)`;
}

function article(kind: HostClass): string {
  return kind === 'unspecified' ? 'an unspecified' : `a ${kind}`;
}

/** A host as a user writes it in a URL or an allowlist entry: IPv6 in brackets when a port follows. */
function displayHost(host: string, port: string): string {
  const bracketed = host.includes(':') ? `[${host}]` : host;
  if (port !== '') return `${bracketed}:${port}`;
  return host;
}

/** Reads `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address. */
function parseEntry(text: string, source: string): HostEntry {
  const entry = splitEntry(text.trim());
  if (!entry) {
    throw new TargetNotAllowedError(`${source} entry "${text}" is not a host: give a host name or an address, optionally with a port (api.example.com, api.example.com:8443, 10.0.0.5, [fd00::5]:8080), without a scheme or a path`);
  }
  return entry;
}

function splitEntry(text: string): HostEntry | undefined {
  let hostText = text;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) [, hostText, portText] = bracketed as unknown as [string, string, string | undefined];
  else if (text.indexOf(':') === text.lastIndexOf(':') && text.includes(':')) [hostText, portText] = text.split(':') as [string, string];
  if (portText !== undefined && !/^\d{1,5}$/.test(portText)) return undefined;
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  const host = canonicalHost(hostText as string);
  return host === undefined ? undefined : { host, port };
}
