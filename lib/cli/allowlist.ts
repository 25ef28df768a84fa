import { isIP } from 'node:net';
import { LoadfleetError } from '../core/errors.ts';

/** `TargetNotAllowedError` refuses a target host that is not on the run's allowlist. */
export class TargetNotAllowedError extends LoadfleetError {
  constructor(host: string) {
    super(
      'TARGET_NOT_ALLOWED',
      `target host "${host}" is not on the allowlist. Local runs may only target loopback (127.0.0.0/8, ::1, localhost) ` +
        `unless you pass --allow-host ${host} for a system you own and may load-test.`,
    );
  }
}

const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost']);

/** True for loopback addresses and names: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (LOOPBACK_NAMES.has(bare)) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
  return false;
}

/** Throws `TargetNotAllowedError` unless `baseUrl`'s host is loopback or explicitly allowed. */
export function assertTargetAllowed(baseUrl: string, allowHosts: readonly string[]): void {
  const host = new URL(baseUrl).hostname;
  if (isLoopback(host)) return;
  if (allowHosts.map((h) => h.toLowerCase()).includes(host.replace(/^\[|\]$/g, '').toLowerCase())) return;
  throw new TargetNotAllowedError(host);
}
