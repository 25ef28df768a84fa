import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { FleetConfigSchema, parseFleetConfig, readFleetConfig } from '../../lib/infra/config.ts';
import { CDK_CONTEXT, NIGHTLY } from './fixtures.ts';

describe('FleetConfig', () => {
  it('defaults every field', () => {
    expect(parseFleetConfig(undefined)).toEqual({
      allowedHosts: [],
      maxConcurrency: 10,
      workerMemoryMb: 1769,
      workerTimeoutSeconds: 900,
      batchSize: 1,
      maxReceiveCount: 5,
      limits: { maxRps: 2000, maxDurationSeconds: 3600, maxRequests: 10_000_000 },
      startLeadSeconds: 20,
      schedules: [],
      reportRetentionDays: 90,
      logRetentionDays: 30,
      secrets: {},
      sourceMaps: false,
    });
  });

  it('cdk.json carries exactly the schema defaults', () => {
    expect(CDK_CONTEXT['loadfleet']).toEqual(FleetConfigSchema.parse({}));
  });

  it('fills nested limit defaults when only one limit is given', () => {
    expect(parseFleetConfig({ limits: { maxRps: 50 } }).limits).toEqual({
      maxRps: 50,
      maxDurationSeconds: 3600,
      maxRequests: 10_000_000,
    });
  });

  it('accepts a JSON string (what `-c loadfleet=...` passes)', () => {
    expect(parseFleetConfig('{"allowedHosts":["api.example.com:8443"]}').allowedHosts).toEqual(['api.example.com:8443']);
  });

  it('reads the `loadfleet` context key', () => {
    const app = new App({ context: { loadfleet: { maxConcurrency: 42, schedules: [NIGHTLY] } } });
    const config = readFleetConfig(app);
    expect(config.maxConcurrency).toBe(42);
    expect(config.schedules).toEqual([NIGHTLY]);
  });

  it.each([
    [{ maxConcurrency: 1 }, 'loadfleet.maxConcurrency'],
    [{ maxConcurrency: 1001 }, 'loadfleet.maxConcurrency'],
    [{ workerTimeoutSeconds: 901 }, 'loadfleet.workerTimeoutSeconds'],
    [{ workerTimeoutSeconds: 59 }, 'loadfleet.workerTimeoutSeconds'],
    [{ batchSize: 11 }, 'loadfleet.batchSize'],
    [{ maxReceiveCount: 1 }, 'loadfleet.maxReceiveCount'],
    [{ limits: { maxRps: 0 } }, 'loadfleet.limits.maxRps'],
    [{ limits: { maxDurationSeconds: 1.5 } }, 'loadfleet.limits.maxDurationSeconds'],
    [{ allowedHosts: ['https://api.example.com'] }, 'loadfleet.allowedHosts.0'],
    [{ allowedHosts: ['ok.example.com', '*.example.com'] }, 'loadfleet.allowedHosts.1'],
    [{ allowedHosts: ['api.example.com:70000'] }, 'loadfleet.allowedHosts.0'],
    [{ allowedHosts: Array.from({ length: 200 }, (_, i) => `host-${i}.some-long-domain.example.com`) }, 'loadfleet.allowedHosts'],
    [{ logRetentionDays: 10 }, 'loadfleet.logRetentionDays'],
    [{ alarmEmail: 'not-an-email' }, 'loadfleet.alarmEmail'],
    [{ schedules: [{ ...NIGHTLY, planKey: 'other/x.json' }] }, 'loadfleet.schedules.0.planKey'],
    [{ schedules: [{ ...NIGHTLY, planKey: 'plans/../secrets.json' }] }, 'loadfleet.schedules.0.planKey'],
    [{ schedules: [{ ...NIGHTLY, expression: 'every day' }] }, 'loadfleet.schedules.0.expression'],
    [{ schedules: [{ ...NIGHTLY, timezone: 'Mars/Olympus' }] }, 'loadfleet.schedules.0.timezone'],
    [{ schedules: [{ ...NIGHTLY, name: 'has space' }] }, 'loadfleet.schedules.0.name'],
    [{ schedules: [NIGHTLY, NIGHTLY] }, 'loadfleet.schedules'],
    [{ maxConcurrency: '10' }, 'loadfleet.maxConcurrency'],
    [{ secrets: { '9TOKEN': { ssm: '/loadfleet/token' } } }, 'loadfleet.secrets.9TOKEN'],
    [{ secrets: { TOKEN: { ssm: 'has space' } } }, 'loadfleet.secrets.TOKEN.ssm'],
    [{ secrets: { TOKEN: { secret: 'arn:aws:s3:::bucket' } } }, 'loadfleet.secrets.TOKEN.secret'],
    [{ secrets: { TOKEN: { ssm: '/a', secret: 'b' } } }, 'loadfleet.secrets.TOKEN'],
    [{ secrets: { TOKEN: { vault: 'x' } } }, 'loadfleet.secrets.TOKEN'],
    [{ secrets: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`TOKEN_${i}`, { ssm: `/loadfleet/a-rather-long-parameter-name-${i}` }])) }, 'loadfleet.secrets'],
  ])('rejects %j naming %s', (raw, key) => {
    expect(() => parseFleetConfig(raw)).toThrow(new RegExp(`^Invalid loadfleet config:[\\s\\S]*\\n  ${key.replace(/\./g, '\\.')}: `));
  });

  it('names every bad key at once', () => {
    let message = '';
    try {
      parseFleetConfig({ batchSize: 0, limits: { maxRequests: -1 } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('loadfleet.batchSize:');
    expect(message).toContain('loadfleet.limits.maxRequests:');
  });

  it('rejects invalid JSON with a clear message', () => {
    expect(() => parseFleetConfig('{nope')).toThrow(/^Invalid loadfleet config: not valid JSON/);
  });

  it('accepts secrets by SSM parameter name or ARN and Secrets Manager name or ARN', () => {
    const secrets = {
      TARGET_TOKEN: { ssm: '/loadfleet/target-token' },
      PLAIN: { ssm: 'plain-name' },
      SHARED: { ssm: 'arn:aws:ssm:eu-west-1:123456789012:parameter/shared/token' },
      API_KEY: { secret: 'loadfleet/api-key' },
      DB: { secret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf' },
    };
    expect(parseFleetConfig({ secrets }).secrets).toEqual(secrets);
  });

  it('accepts IPv6 literals and ports', () => {
    expect(parseFleetConfig({ allowedHosts: ['[::1]:8080', '127.0.0.1', 'api.example.com:443'] }).allowedHosts).toHaveLength(3);
  });
});
