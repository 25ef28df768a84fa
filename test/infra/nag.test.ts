// cdk-nag (AwsSolutions) gate: the stack synthesizes clean, every acknowledgement carries a reason, and
// every acknowledgement still matches a real finding (so none silently hides a future regression).
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it, vi } from 'vitest';
import { build, NIGHTLY } from './fixtures.ts';

const FULL = { alarmEmail: 'ops@example.com', schedules: [NIGHTLY], allowedHosts: ['api.example.com'] };

/** Synth, with the validation report CDK prints on failure captured instead of spamming the test log. */
function synthQuietly(app: { synth: () => unknown }): unknown {
  const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    return app.synth();
  } finally {
    spy.mockRestore();
  }
}

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['defaults', {}],
    ['alarm email + schedule', FULL],
  ])('synth passes with %s', (_label, overrides) => {
    const { app } = build(overrides);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => synthQuietly(app)).not.toThrow();
  });

  it('the gate bites: without acknowledgements synth fails', () => {
    const { app } = build(FULL, { skipNagAcknowledgements: true });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // CDK's report names each unacknowledged finding (the header varies with the validation feature flags).
    expect(() => synthQuietly(app)).toThrow(/AwsSolutions-S1[\s\S]*AwsSolutions-IAM5\[Resource::\*\]/);
  });

  it('every acknowledgement carries a specific reason', () => {
    const { app, stack } = build(FULL);
    const recorded: { path: string; id: string; reason: string }[] = [];
    for (const c of app.node.findAll()) {
      for (const entry of c.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          recorded.push({ path: c.node.path, id: id.replace(/^annotation::/i, ''), reason });
        }
      }
    }
    expect(recorded.length).toBeGreaterThan(0);
    expect(recorded.length).toBe(stack.nagAcknowledgements.length);
    for (const ack of recorded) {
      expect(ack.id).toMatch(/^AwsSolutions-[A-Z0-9]+(\[.+\])?$/);
      expect(ack.reason.trim().length, `${ack.path} ${ack.id}`).toBeGreaterThan(40);
    }
    // Acknowledgements sit on the narrowest construct, never on the stack or app.
    for (const ack of recorded) expect(ack.path).toMatch(/^Loadfleet\/.+/);
  });

  it('every acknowledgement matches a finding the unacknowledged stack really has', () => {
    const acked = build(FULL).stack.nagAcknowledgements;
    const { app } = build(FULL, { skipNagAcknowledgements: true });
    const report = new AwsSolutionsChecks(app).validateScope(app);
    for (const ack of acked) {
      const violation = report.violations.find((v) => v.ruleName === ack.id);
      expect(violation, `${ack.id} on ${ack.path}`).toBeDefined();
      expect(violation!.violatingResources.some((r) => r.constructPath?.startsWith(`${ack.path}/`))).toBe(true);
    }
  });
});
