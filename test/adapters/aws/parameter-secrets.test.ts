import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SecretUnreadableError } from '../../../lib/adapters/aws/errors.ts';
import { ParameterSecrets } from '../../../lib/adapters/aws/parameter-secrets.ts';
import { FleetConfigError } from '../../../lib/runtime/fleet/errors.ts';
import { secretSourcesOf } from '../../../lib/runtime/fleet/secret-sources.ts';

/** Port 9 on loopback: were a mock ever bypassed, the SDK would fail here, never reach AWS. */
const OFFLINE = { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };

function clients() {
  const ssm = new SSMClient(OFFLINE);
  const secretsManager = new SecretsManagerClient(OFFLINE);
  return { ssm, secretsManager, ssmMock: mockClient(ssm), smMock: mockClient(secretsManager) };
}

afterEach(() => vi.useRealTimers());

describe('Class: ParameterSecrets', () => {
  describe('Method: values', () => {
    it('reads SSM parameters decrypted and Secrets Manager secrets, by the names plans use', async () => {
      // Prepare
      const { ssm, secretsManager, ssmMock, smMock } = clients();
      ssmMock.on(GetParameterCommand, { Name: '/loadfleet/target-token', WithDecryption: true }).resolves({ Parameter: { Value: 'tok-ssm' } });
      smMock.on(GetSecretValueCommand, { SecretId: 'loadfleet/api-key' }).resolves({ SecretString: 'key-sm' });
      const secrets = new ParameterSecrets({ sources: { TARGET_TOKEN: { ssm: '/loadfleet/target-token' }, API_KEY: { secret: 'loadfleet/api-key' } }, ssm, secretsManager });

      // Act
      const values = await secrets.values();

      // Assess
      expect(values).toEqual({ TARGET_TOKEN: 'tok-ssm', API_KEY: 'key-sm' });
      expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(1);
      expect(smMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    });

    it('caches each value for five minutes, then reads it again', async () => {
      // Prepare
      vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
      const { ssm, ssmMock } = clients();
      ssmMock.on(GetParameterCommand).resolvesOnce({ Parameter: { Value: 'v1' } }).resolves({ Parameter: { Value: 'v2' } });
      const secrets = new ParameterSecrets({ sources: { T: { ssm: 'token' } }, ssm });

      // Act
      const first = await secrets.values();
      vi.advanceTimersByTime(299_000);
      const cached = await secrets.values();
      vi.advanceTimersByTime(2_000);
      const renewed = await secrets.values();

      // Assess
      expect([first.T, cached.T, renewed.T]).toEqual(['v1', 'v1', 'v2']);
      expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(2);
    });

    it('names the secret and where it looked when a value cannot be read', async () => {
      // Prepare
      const { ssm, ssmMock } = clients();
      ssmMock.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
      const secrets = new ParameterSecrets({ sources: { TARGET_TOKEN: { ssm: '/loadfleet/missing' } }, ssm });

      // Act + Assess
      await expect(secrets.values()).rejects.toThrow('loadfleet: cannot read secret TARGET_TOKEN from SSM parameter /loadfleet/missing: ParameterNotFound: not found');
      await expect(secrets.values()).rejects.toThrow(SecretUnreadableError);
      await expect(secrets.values()).rejects.toMatchObject({ code: 'SECRET_UNREADABLE', secret: 'TARGET_TOKEN' });
    });

    it('makes no client call when no secret is configured', async () => {
      const { ssm, ssmMock } = clients();
      expect(await new ParameterSecrets({ sources: secretSourcesOf({}), ssm }).values()).toEqual({});
      expect(ssmMock.calls()).toHaveLength(0);
    });
  });
});

describe('Function: secretSourcesOf', () => {
  it('reads the SECRETS variable, and refuses one that is not valid, naming it', () => {
    expect(secretSourcesOf({ SECRETS: '{"T":{"ssm":"/a/b"},"U":{"secret":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:u-AbCdEf"}}' })).toEqual({
      T: { ssm: '/a/b' },
      U: { secret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:u-AbCdEf' },
    });
    expect(() => secretSourcesOf({ SECRETS: '{"1T":{"ssm":"/a"}}' })).toThrow(/SECRETS variable is not valid/);
    expect(() => secretSourcesOf({ SECRETS: 'nope' })).toThrow(/SECRETS variable is not JSON/);
    expect(() => secretSourcesOf({ SECRETS: 'nope' })).toThrow(FleetConfigError);
    expect(() => secretSourcesOf({ SECRETS: '{"1T":{"ssm":"/a"}}' })).toThrow(expect.objectContaining({ code: 'FLEET_CONFIG_INVALID' }));
  });
});
