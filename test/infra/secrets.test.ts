// The fleet's secrets in the stack: named (never valued) in the environment of exactly the functions
// that load plans, and readable by those functions only, on exactly the configured ARNs.
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it, vi } from 'vitest';
import type { FleetFunctionName } from '../../lib/infra/functions.ts';
import { build, logicalId, type Built } from './fixtures.ts';

const SECRETS = {
  TARGET_TOKEN: { ssm: '/loadfleet/target-token' },
  PLAIN: { ssm: 'plain-token' },
  SHARED: { ssm: 'arn:aws:ssm:eu-west-1:123456789012:parameter/shared/token' },
  API_KEY: { secret: 'loadfleet/api-key' },
  DB: { secret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf' },
};
const READERS: FleetFunctionName[] = ['plan', 'worker', 'sweep', 'aggregate'];
const OTHERS: FleetFunctionName[] = ['dispatch', 'progress'];

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
const list = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/** A resource rendered as text, pseudo parameters as `${AWS::Region}`. */
function flat(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const o = resource as Record<string, unknown>;
  if (o['Fn::Join']) return (o['Fn::Join'] as [string, unknown[]])[1].map(flat).join('');
  if (o['Ref']) return `\${${String(o['Ref'])}}`;
  return JSON.stringify(resource);
}

/** Secret-reading statements of a function's role: action -> resources. */
function secretGrants(built: Built, name: FleetFunctionName): Record<string, string[]> {
  const roleId = logicalId(built, built.stack.fleetFunctions[name].role);
  const grants: Record<string, string[]> = {};
  for (const policy of Object.values(built.template.findResources('AWS::IAM::Policy'))) {
    if (!(policy.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId)) continue;
    for (const st of policy.Properties.PolicyDocument.Statement as Statement[]) {
      for (const action of list(st.Action).filter((a) => /^(ssm|secretsmanager|kms):/.test(a))) {
        expect(st.Effect).toBe('Allow');
        grants[action] = [...(grants[action] ?? []), ...list(st.Resource).map(flat)].sort();
      }
    }
  }
  return grants;
}

function environmentOf(built: Built, name: FleetFunctionName): Record<string, unknown> {
  const fn = built.template.findResources('AWS::Lambda::Function')[logicalId(built, built.stack.fleetFunctions[name].fn)];
  return fn?.Properties.Environment.Variables as Record<string, unknown>;
}

describe('fleet secrets', () => {
  const built = build({ allowedHosts: ['api.example.com'], secrets: SECRETS });

  it.each(READERS)('%s: names the secrets in SECRETS (names and ARNs, no values)', (name) => {
    expect(JSON.parse(environmentOf(built, name)['SECRETS'] as string)).toEqual(SECRETS);
  });

  it.each(OTHERS)('%s: gets neither the secrets\' names nor access to them', (name) => {
    expect(environmentOf(built, name)['SECRETS']).toBeUndefined();
    expect(secretGrants(built, name)).toEqual({});
  });

  it.each(READERS)('%s: may read exactly the configured parameters and secrets, and nothing else', (name) => {
    expect(secretGrants(built, name)).toEqual({
      'ssm:GetParameter': [
        'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/loadfleet/target-token',
        'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/plain-token',
        'arn:aws:ssm:eu-west-1:123456789012:parameter/shared/token',
      ].sort(),
      'secretsmanager:GetSecretValue': [
        'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:loadfleet/api-key-??????',
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
      ].sort(),
    });
  });

  it('without secrets configured no function is named any or may read any', () => {
    const plain = build({ allowedHosts: ['api.example.com'] });
    for (const name of [...READERS, ...OTHERS]) {
      expect(environmentOf(plain, name)['SECRETS']).toBeUndefined();
      expect(secretGrants(plain, name)).toEqual({});
    }
  });

  it('only SSM parameters: no Secrets Manager statement (and the reverse)', () => {
    const ssmOnly = build({ secrets: { T: { ssm: '/t' } } });
    expect(Object.keys(secretGrants(ssmOnly, 'worker'))).toEqual(['ssm:GetParameter']);
    const smOnly = build({ secrets: { T: { secret: 't' } } });
    expect(Object.keys(secretGrants(smOnly, 'worker'))).toEqual(['secretsmanager:GetSecretValue']);
  });

  it('cdk-nag AwsSolutions still passes with secrets configured', () => {
    const { app } = build({ allowedHosts: ['api.example.com'], secrets: SECRETS });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(() => app.synth()).not.toThrow();
    } finally {
      spy.mockRestore();
    }
  });
});
