import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../lib/cli/run-command.ts';
import { startTarget, type RunningTarget } from '../../lib/target/index.ts';
import { tempDir, writeTemp } from './helpers.ts';

let target: RunningTarget | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

const plan = (baseUrl: string): string => `kind: custom
name: shared-vars
target: { baseUrl: "${baseUrl}", maxConnections: 8 }
limits: { maxRps: 20 }
payloads: { count: 2, fields: { user: "u{{seq}}" } }
requests:
  create: { method: POST, path: /coupons, body: { name: SHARED, amount: 3 }, expect: [201], capture: { couponName: $.name } }
  claim: { method: POST, path: /coupons/claim, body: { user_id: "{{payload.user}}-{{index}}", coupon_name: "{{couponName}}" }, expect: [201, 400], retry: false }
  read: { path: "/coupons/{{couponName}}", capture: { remaining: $.remaining_amount } }
setup: [ { request: create } ]
lifecycle: [ { request: claim } ]
verify: [ { request: read } ]
load: { model: vus, vus: 2, duration: 1s }
expect:
  - { verified: remaining, equals: 0 }
`;

describe('plan setup and verify (local driver, demo target)', () => {
  it('gives what setup captured to every lifecycle and to verify, and caps the run at limits.maxRps', async () => {
    // Prepare: 2 users loop claims for 1 s; the payload pool of 2 is cycled
    target = await startTarget();

    // Act
    const { exitCode, report } = await runCommand(writeTemp('plan.yaml', plan(target.url)), { out: tempDir(), quiet: true });

    // Assess: claims named the coupon that setup created; verify read it back through the same capture
    const stats = target.stats();
    expect(stats.coupons.claims.ok).toBe(3);
    expect(report?.verified).toEqual({ couponName: 'SHARED', remaining: 0 });
    expect(exitCode).toBe(0);
    // maxRps 20 over ~1 s: far fewer claims than two tight loops would send on loopback
    const claims = report?.endpoints.claim?.attempts ?? 0;
    expect(claims).toBeGreaterThan(3);
    expect(claims).toBeLessThanOrEqual(25);
    expect(stats.requests['POST /coupons/claim']?.total).toBe(claims);
  });
});
