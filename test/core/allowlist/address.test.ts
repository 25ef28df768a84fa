import { describe, expect, it } from 'vitest';
import { canonicalHost, classifyHost, isIpAddress } from '../../../lib/core/allowlist/address.ts';

describe('Function: canonicalHost', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['0x7f.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['[::1]', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['FD00:EC2:0::254', 'fd00:ec2::254'],
    ['LocalHost', 'localhost'],
    ['Api.Example.COM', 'api.example.com'],
    ['169.254.169.254', '169.254.169.254'],
  ])('reads %s as %s', (input, want) => {
    expect(canonicalHost(input)).toBe(want);
  });

  it.each(['', 'http://x', 'a/b', 'user@host', 'host:80', '127.0.0.1:80', '[::1]:80', 'a b', '1.2.3.4.5', '256.0.0.1', 'fe80::1%eth0', '[::1'])(
    'refuses %j (not a host alone)',
    (input) => {
      expect(canonicalHost(input)).toBeUndefined();
    },
  );
});

describe('Function: classifyHost', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['localhost', 'loopback'],
    ['app.localhost', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.127.255.255', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['::ffff:a00:1', 'private'],
    ['64:ff9b::a00:1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['169.254.170.23', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['fd00:ec2::23', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['8.8.8.8', 'public'],
    ['172.15.255.255', 'public'],
    ['172.32.0.1', 'public'],
    ['100.63.255.255', 'public'],
    ['100.128.0.1', 'public'],
    ['2001:db8::1', 'public'],
    ['fec0::1', 'public'],
    ['api.example.com', 'name'],
  ])('classifies %s as %s', (host, want) => {
    expect(classifyHost(host)).toBe(want);
  });
});

describe('Function: isIpAddress', () => {
  it.each([
    ['10.0.0.1', true],
    ['::1', true],
    ['fd00:ec2::254', true],
    ['localhost', false],
    ['api.example.com', false],
    ['1:2:3:4:5:6:7:8:9', false],
    ['1::2::3', false],
  ])('%s -> %s', (host, want) => {
    expect(isIpAddress(host)).toBe(want);
  });
});
