import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ParameterSecrets } from '../../lib/adapters/aws/parameter-secrets.ts';
import type { RunReport } from '../../lib/core/report/model.ts';
import { parseFleetConfig } from '../../lib/infra/config.ts';
import { secretsEnvironment } from '../../lib/infra/secrets.ts';
import type { AggregateOutput } from '../../lib/runtime/fleet/aggregate.ts';
import { secretSourcesOf } from '../../lib/runtime/fleet/secret-sources.ts';
import { publishUnitMetrics } from '../../lambdas/shared/emf.ts';
import { logger } from '../../lambdas/shared/fleet-deps.ts';
import { startEchoTarget, type EchoTarget } from '../helpers/echo-target.ts';
import { runOfflineFleet, type OfflineFleetRun } from '../helpers/offline-fleet.ts';
import { SENTINEL, SENTINEL_ENV, expectNoSentinel, expectSentinelSent, sentinelPlan } from '../helpers/sentinel-plan.ts';

let target: EchoTarget | undefined;
let run: OfflineFleetRun | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  logger.setLogLevel('SILENT');
  await run?.aws.stop();
  await target?.close();
  run = undefined;
  target = undefined;
});

/** Everything written to stdout and stderr while `work` runs (Powertools Logger lines, EMF documents), kept from the test log. */
async function captureOutput<T>(work: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  const keep = (chunk: string | Uint8Array): boolean => {
    lines.push(...String(chunk).split('\n').filter((l) => l.trim().length > 0));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(keep);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(keep);
  try {
    return { value: await work(), lines };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** Every item of the run table, as DynamoDB holds it. */
async function tableItems(r: OfflineFleetRun): Promise<unknown[]> {
  const items: unknown[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await r.aws.clients.dynamo.send(new ScanCommand({ TableName: r.aws.tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

describe('secrets through the offline cloud (SSM mocked, real handlers, fauxqs, dynalite)', () => {
  it('sends the SSM secret in a header, a path, a query and a body, carries a captured copy to a cleanup in another invocation, and leaks it nowhere', { timeout: 120_000 }, async () => {
    // Prepare: the secret in SSM (aws-sdk-client-mock: there is no SSM emulator), named in the stack
    // config exactly as a deployment names it, read through the same path the deployed functions take
    target = await startEchoTarget();
    const ssm = new SSMClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const ssmMock = mockClient(ssm);
    ssmMock.on(GetParameterCommand, { Name: '/loadfleet/sentinel', WithDecryption: true }).resolves({ Parameter: { Value: SENTINEL, Type: 'SecureString' } });
    const config = parseFleetConfig({ allowedHosts: ['127.0.0.1'], secrets: { [SENTINEL_ENV]: { ssm: '/loadfleet/sentinel' } } });
    const secrets = new ParameterSecrets({ sources: secretSourcesOf(secretsEnvironment(config.secrets)), ssm });
    logger.setLogLevel('INFO');

    // Act
    const { value, lines } = await captureOutput(() => runOfflineFleet({ input: { plan: sentinelPlan(target!.origin), runId: 'secrets-1' }, secrets, publish: (m) => publishUnitMetrics(m) }));
    run = value;

    // Assess: the run went through, and the target saw the secret where the plan put it, the cleanups
    // (run from parked cursors, in other invocations) included
    expect(run.execution.status).toBe('SUCCEEDED');
    expect((run.execution.output as AggregateOutput).summary).toMatchObject({ planned: 3, completed: 0, failed: 3, nonTerminal: 0, expectationsFailed: [] });
    expectSentinelSent(target, 3);
    expect(run.messages.some((m) => JSON.parse(m).kind === 'resume')).toBe(true);

    // Every output: logs and EMF, the execution, every object in the bucket, every item of the table, every message
    const keys = await run.objects.list('');
    const objects = Object.fromEntries(await Promise.all(keys.map(async (key) => [`s3:${key}`, (await run!.objects.get(key)) ?? ''] as const)));
    const items = await tableItems(run);
    expectNoSentinel({ output: lines.join('\n'), execution: JSON.stringify(run.execution), ...objects, dynamodb: JSON.stringify(items), sqs: run.messages.join('\n') });

    // They were all really there: log lines and EMF documents, the report and the events, run state
    expect(lines.some((l) => l.includes('"_aws"') && l.includes('"runId":"secrets-1"'))).toBe(true);
    expect(lines.some((l) => l.includes('"message":"unit"'))).toBe(true);
    expect(keys).toEqual(expect.arrayContaining(['runs/secrets-1/report.json', 'runs/secrets-1/events.csv']));
    const report = JSON.parse(objects['s3:runs/secrets-1/report.json'] as string) as RunReport;
    expect(report.verified).toEqual({ echoed: '***' });
    expect(report.lifecycles.reasons).toEqual({ 'poll details: $.status == "***" not met after 2 attempts': 3 });
    expect(objects['s3:runs/secrets-1/events.csv']?.match(/K-\*\*\*-\d/g)?.length).toBeGreaterThan(0);
    // The lifecycles' captured copies are at rest as references to the secret's name, never its value
    expect(JSON.stringify(items)).toContain(`\\u0000${SENTINEL_ENV}\\u0000`);
    // SSM was read once, by the plan step; every later invocation found it in Powertools' cache
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(1);
  });
});
