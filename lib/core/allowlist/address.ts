/**
 * Host names and IP addresses as the allowlist sees them: one canonical text per host (so `0x7f.1`,
 * `2130706433` and `127.0.0.1` are one host) and the class of an address (loopback, private, ...).
 *
 * Canonical forms come from the WHATWG URL host parser (the global `URL`, a pure function), the same
 * parser that reads a plan's `baseUrl`: what the allowlist compares is exactly what undici connects to.
 * The classification is written here, small, because lib/core may not import node:net and no address
 * library is a dependency of the project (ipaddr.js in node_modules is only a dev tool's dependency).
 */

/**
 * The class of a host. `name` is a DNS name (classified again, by address, when it is resolved);
 * `public` is any other unicast address.
 */
export type HostClass = 'loopback' | 'private' | 'link-local' | 'metadata' | 'unspecified' | 'public' | 'name';

/**
 * Cloud metadata and credential endpoints: EC2 instance metadata (IPv4 and IPv6), the ECS task
 * credentials endpoint, and EKS Pod Identity (IPv4 and IPv6). Instance credentials live there, so
 * nothing ever sends to them, whatever is allowed.
 */
export const METADATA_ADDRESSES: readonly string[] = ['169.254.169.254', 'fd00:ec2::254', '169.254.170.2', '169.254.170.23', 'fd00:ec2::23'];

/** Names that always mean this machine (RFC 6761: `localhost` and anything under `.localhost`). */
const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost', 'ip6-loopback']);

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * The canonical text of a host name or IP address, without brackets: IPv4 in dotted decimal
 * (`0x7f.1` becomes `127.0.0.1`), IPv6 compressed and lower-cased (`::ffff:10.0.0.1` becomes
 * `::ffff:a00:1`), names lower-cased (and punycoded). Undefined when `host` is not a valid host
 * (empty, holds a port, a path, userinfo, or characters no host may have).
 *
 * @example
 * canonicalHost('[0:0::1]') // '::1'
 * canonicalHost('LocalHost') // 'localhost'
 * canonicalHost('http://x') // undefined
 */
export function canonicalHost(host: string): string | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === '' || /[\s/?#@\\[\]]/.test(bare)) return undefined;
  const ipv6 = bare.includes(':');
  let url: URL;
  try {
    url = new URL(ipv6 ? `http://[${bare}]/` : `http://${bare}/`);
  } catch {
    return undefined;
  }
  // A port, or anything the URL parser moved out of the host, means `host` was not a host alone.
  if (url.port !== '' || url.username !== '' || url.pathname !== '/') return undefined;
  const name = url.hostname;
  return name.startsWith('[') ? name.slice(1, -1) : name;
}

/**
 * The class of a canonical host (see `canonicalHost`). IPv4-mapped (`::ffff:a.b.c.d`) and NAT64
 * (`64:ff9b::a.b.c.d`) IPv6 addresses take the class of the IPv4 address they carry: both reach it.
 *
 * @example
 * classifyHost('10.1.2.3') // 'private'
 * classifyHost('::ffff:a9fe:a9fe') // 'metadata' (169.254.169.254)
 */
export function classifyHost(host: string): HostClass {
  if (METADATA_ADDRESSES.includes(host)) return 'metadata';
  const v4 = ipv4Bytes(host);
  if (v4) return classifyIpv4(v4);
  const v6 = ipv6Words(host);
  if (v6) return classifyIpv6(v6);
  if (LOOPBACK_NAMES.has(host) || host.endsWith('.localhost')) return 'loopback';
  return 'name';
}

/** True when `host` (canonical) is an IP address rather than a name. */
export function isIpAddress(host: string): boolean {
  return ipv4Bytes(host) !== undefined || ipv6Words(host) !== undefined;
}

function classifyIpv4([a, b, c, d]: readonly number[]): HostClass {
  if (METADATA_ADDRESSES.includes(`${a}.${b}.${c}.${d}`)) return 'metadata';
  if (a === 127) return 'loopback';
  // 0.0.0.0/8 is "this network": connecting to 0.0.0.0 reaches this machine on Linux.
  if (a === 0) return 'unspecified';
  if (a === 10 || (a === 172 && (b as number) >= 16 && (b as number) <= 31) || (a === 192 && b === 168)) return 'private';
  // 100.64.0.0/10: carrier-grade NAT space, private to a provider's network.
  if (a === 100 && (b as number) >= 64 && (b as number) <= 127) return 'private';
  if (a === 169 && b === 254) return 'link-local';
  return 'public';
}

function classifyIpv6(w: readonly number[]): HostClass {
  // fd00:ec2::254 and fd00:ec2::23, however they were written.
  if (w[0] === 0xfd00 && w[1] === 0xec2 && w.slice(2, 7).every((x) => x === 0) && (w[7] === 0x254 || w[7] === 0x23)) return 'metadata';
  const prefixZero = (n: number): boolean => w.slice(0, n).every((x) => x === 0);
  if (prefixZero(8)) return 'unspecified';
  if (prefixZero(7) && w[7] === 1) return 'loopback';
  // ::ffff:a.b.c.d (IPv4-mapped) and 64:ff9b::a.b.c.d (NAT64, the well-known prefix) reach the IPv4 address.
  const mapped = prefixZero(5) && w[5] === 0xffff;
  const nat64 = w[0] === 0x64 && w[1] === 0xff9b && w.slice(2, 6).every((x) => x === 0);
  if (mapped || nat64) return classifyIpv4([(w[6] as number) >> 8, (w[6] as number) & 0xff, (w[7] as number) >> 8, (w[7] as number) & 0xff]);
  const first = w[0] as number;
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xfe00) === 0xfc00) return 'private';
  return 'public';
}

function ipv4Bytes(host: string): number[] | undefined {
  const match = IPV4.exec(host);
  if (!match) return undefined;
  const bytes = match.slice(1).map(Number);
  return bytes.every((b) => b <= 255) ? bytes : undefined;
}

/** The eight 16-bit words of a canonical (compressed, hex only) IPv6 address. */
function ipv6Words(host: string): number[] | undefined {
  if (!/^[0-9a-f:]+$/.test(host) || !host.includes(':')) return undefined;
  const halves = host.split('::');
  if (halves.length > 2) return undefined;
  const words = (text: string | undefined): number[] | undefined => {
    if (!text) return [];
    const parts = text.split(':');
    return parts.every((p) => /^[0-9a-f]{1,4}$/.test(p)) ? parts.map((p) => parseInt(p, 16)) : undefined;
  };
  const head = words(halves[0]);
  const tail = words(halves[1]);
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : undefined;
}
