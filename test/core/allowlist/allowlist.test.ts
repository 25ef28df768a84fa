import { describe, expect, it } from 'vitest';
import {
  assertTargetAllowed, checkAddress, checkTarget, fleetPolicy, isLoopbackHost, localPolicy, TargetNotAllowedError,
} from '../../../lib/core/allowlist/allowlist.ts';

const METADATA = / is a cloud metadata address \(where instance credentials live\): loadfleet never sends to it, even with --allow-host$/;

describe('Function: checkTarget (local runs)', () => {
  describe('HAPPY PATH', () => {
    it.each(['http://127.0.0.1:8080', 'http://127.9.9.9', 'http://[::1]:80/api', 'http://localhost:3000', 'https://app.localhost', 'http://0x7f.1/'])(
      'allows loopback %s by default',
      (url) => {
        expect(checkTarget(url, localPolicy([]))).toEqual({ allowed: true });
      },
    );

    it.each([
      ['https://api.example.com/v1', ['api.example.com']],
      ['https://API.example.com', ['api.EXAMPLE.com']],
      ['https://api.example.com:8443', ['api.example.com:8443']],
      ['https://api.example.com', ['api.example.com:443']],
      ['http://10.0.0.5:8080', ['10.0.0.5']],
      ['http://169.254.10.1', ['169.254.10.1']],
      ['http://[fd00::5]:8080', ['fd00::5']],
      ['http://[fd00::5]:8080', ['[fd00::5]:8080']],
      ['http://0.0.0.0:8080', ['0.0.0.0']],
    ])('allows %s with --allow-host %j', (url, hosts) => {
      expect(checkTarget(url, localPolicy(hosts))).toEqual({ allowed: true });
    });
  });

  describe('SAD PATH', () => {
    it('refuses a host that is not allowed, telling how to allow it', () => {
      expect(checkTarget('http://example.com', localPolicy([]))).toEqual({
        allowed: false,
        reason: 'target host "example.com" is not on the allowlist. Local runs may only target loopback (127.0.0.0/8, ::1, localhost) unless you pass --allow-host example.com for a system you own and may load-test.',
      });
    });

    it.each([
      ['http://10.0.0.5', [], '"10.0.0.5" is not on the allowlist (a private address)'],
      ['http://169.254.1.1', [], '"169.254.1.1" is not on the allowlist (a link-local address)'],
      ['http://0.0.0.0:80', [], '"0.0.0.0" is not on the allowlist (an unspecified address)'],
      ['https://api.example.com:8443', ['api.example.com:443'], '"api.example.com:8443" is not on the allowlist.'],
      ['http://[fe80::1]:8080', [], '"[fe80::1]:8080" is not on the allowlist (a link-local address)'],
    ])('refuses %s with %j', (url, hosts, why) => {
      const verdict = checkTarget(url, localPolicy(hosts));
      expect(verdict.allowed).toBe(false);
      expect(!verdict.allowed && verdict.reason).toContain(why);
    });

    it.each([
      ['http://169.254.169.254/latest/meta-data', '169.254.169.254'],
      ['http://[fd00:ec2::254]', 'fd00:ec2::254'],
      ['http://[::ffff:169.254.169.254]', '::ffff:a9fe:a9fe'],
      ['http://2852039166/', '169.254.169.254'],
      ['http://169.254.170.2/v2/credentials', '169.254.170.2'],
    ])('refuses the metadata address %s even when it is allowed', (url, host) => {
      const verdict = checkTarget(url, localPolicy(['169.254.169.254', 'fd00:ec2::254', '::ffff:a9fe:a9fe', '169.254.170.2']));
      expect(verdict.allowed).toBe(false);
      expect(!verdict.allowed && verdict.reason).toMatch(new RegExp(`^target host "${host.replace(/\./g, '\\.')}"`));
      expect(!verdict.allowed && verdict.reason).toMatch(METADATA);
    });

    it.each(['http://x', 'https://api.example.com/', 'api.example.com/v1', 'user@api.example.com', 'api.example.com:99999', ''])(
      'refuses an --allow-host entry that is not a host: %j',
      (entry) => {
        expect(() => localPolicy([entry])).toThrow(TargetNotAllowedError);
        expect(() => localPolicy([entry])).toThrow(`--allow-host entry "${entry}" is not a host`);
      },
    );

    it('assertTargetAllowed throws TargetNotAllowedError with the reason', () => {
      expect(() => assertTargetAllowed('http://example.com', localPolicy([]))).toThrow(TargetNotAllowedError);
      expect(() => assertTargetAllowed('http://127.0.0.1', localPolicy([]))).not.toThrow();
    });
  });
});

describe('Function: checkTarget (the fleet)', () => {
  it('allows exactly the listed host or host:port, and no loopback by default', () => {
    const policy = fleetPolicy(['api.example.com', 'other.example.com:8443', '127.0.0.1']);
    expect(checkTarget('https://api.example.com', policy).allowed).toBe(true);
    expect(checkTarget('https://other.example.com:8443', policy).allowed).toBe(true);
    expect(checkTarget('https://other.example.com', policy).allowed).toBe(false);
    expect(checkTarget('http://127.0.0.1:9', policy).allowed).toBe(true);
    expect(checkTarget('http://localhost:9', policy)).toEqual({
      allowed: false,
      reason: 'target host "localhost:9" is not on the stack\'s allowlist (api.example.com, other.example.com:8443, 127.0.0.1) (a loopback address). Add it to the "loadfleet.allowedHosts" context in cdk.json and redeploy, for a system you own and may load-test.',
    });
  });

  it('refuses metadata addresses even when the stack lists them', () => {
    const verdict = checkTarget('http://169.254.169.254', fleetPolicy(['169.254.169.254']));
    expect(!verdict.allowed && verdict.reason).toBe('target host "169.254.169.254" is a cloud metadata address (where instance credentials live): loadfleet never sends to it, even when listed in loadfleet.allowedHosts');
  });

  it('says "nothing yet" for an empty list', () => {
    const verdict = checkTarget('https://api.example.com', fleetPolicy([]));
    expect(!verdict.allowed && verdict.reason).toContain('is not on the stack\'s allowlist (nothing yet)');
  });
});

describe('Function: checkAddress', () => {
  const local = localPolicy(['api.example.com', '10.0.0.9', '10.0.0.8:8080']);
  it.each([
    ['93.184.215.14', 443, true],
    ['2606:2800:21f:cb07:6820:80da:af6b:8b2c', 443, true],
    ['127.0.0.1', 443, true],
    ['::1', 443, true],
    ['10.0.0.9', 443, true],
    ['10.0.0.8', 8080, true],
    ['10.0.0.8', 443, false],
    ['10.0.0.1', 443, false],
    ['192.168.0.1', 443, false],
    ['::ffff:c0a8:1', 443, false],
    ['169.254.1.1', 443, false],
    ['169.254.169.254', 443, false],
    ['0.0.0.0', 443, false],
    ['::', 443, false],
  ])('locally, api.example.com resolving to %s:%i is allowed: %s', (address, port, allowed) => {
    expect(checkAddress('api.example.com', address, port, local).allowed).toBe(allowed);
  });

  it('names the name, the address and its class when it refuses', () => {
    expect(checkAddress('api.example.com', '10.0.0.1', 443, local)).toEqual({
      allowed: false,
      reason: 'refused: api.example.com resolved to 10.0.0.1, a private address not on the allowlist (pass --allow-host 10.0.0.1 if you own it)',
      detail: '10.0.0.1 not allowed (private)',
    });
    expect(checkAddress('169.254.169.254', '169.254.169.254', 80, localPolicy(['169.254.169.254']))).toEqual({
      allowed: false,
      reason: 'refused: 169.254.169.254, a cloud metadata address: loadfleet never connects to it, even when allowed',
      detail: '169.254.169.254 never allowed (metadata)',
    });
  });

  it('refuses loopback on the fleet unless the address is listed', () => {
    expect(checkAddress('api.example.com', '127.0.0.1', 80, fleetPolicy(['api.example.com'])).allowed).toBe(false);
    expect(checkAddress('api.example.com', '127.0.0.1', 80, fleetPolicy(['api.example.com', '127.0.0.1'])).allowed).toBe(true);
  });
});

describe('Function: isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['::1', true],
    ['[::1]', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['10.0.0.1', false],
    ['example.com', false],
    ['not a host', false],
  ])('%s -> %s', (host, want) => {
    expect(isLoopbackHost(host)).toBe(want);
  });
});
