import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoFleetStore } from '../../lib/adapters/aws/dynamo-fleet-store.ts';
import { S3ObjectStore } from '../../lib/adapters/aws/s3-object-store.ts';
import { emptyUnitResult } from '../../lib/core/recorder/merge.ts';
import { buildRunReport } from '../../lib/core/report/build-report.ts';
import { startAwsEmulators, type AwsEmulators } from '../helpers/aws-emulators.ts';
import { spawnCli, tempDir } from './helpers.ts';

let aws: AwsEmulators;
beforeAll(async () => {
  aws = await startAwsEmulators();
});
afterAll(async () => {
  await aws.stop();
});

const RUN = { plan: { text: 'x', file: 'x.yaml' }, kind: 'custom', status: 'RUNNING' as const, createdAt: 0, startAt: 0, deadline: 1e15, unitsPlanned: 0, warnings: [] };

describe('loadfleet fleet stop|report (the spawned CLI, against loopback emulators)', () => {
  it('stop sets the run\'s stop flag once, with the reason; an unknown run is exit 2', async () => {
    const store = new DynamoFleetStore({ client: aws.clients.dynamo, tableName: aws.tableName });
    await store.createRun({ ...RUN, runId: 'cli-stop' }, []);
    const args = ['fleet', 'stop', 'cli-stop', '--table', aws.tableName, '--reason', 'enough', '--endpoint', aws.dynamoEndpoint];

    const first = await spawnCli(args).exited;
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('stop requested (enough)');
    expect(await store.getRun('cli-stop')).toMatchObject({ status: 'STOPPING', stopReason: 'enough' });

    const again = await spawnCli(args).exited;
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('already stopping');

    const unknown = await spawnCli(['fleet', 'stop', 'nope', '--table', aws.tableName, '--endpoint', aws.dynamoEndpoint]).exited;
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no run nope');
  });

  it('report fetches report.json and events.csv, prints the summary, and exits with the run\'s status', async () => {
    const objects = new S3ObjectStore({ client: aws.clients.s3, bucket: aws.bucket });
    const report = buildRunReport({ runId: 'cli-rep', plan: { name: 'orders', kind: 'custom' }, status: 'failed', planned: 0, result: emptyUnitResult(0), expectations: [] });
    await objects.put('runs/cli-rep/report.json', JSON.stringify(report), 'application/json');
    await objects.put('runs/cli-rep/events.csv', 'at_iso,unit\n', 'text/csv');
    const out = tempDir();

    const { code, stdout, stderr } = await spawnCli(['fleet', 'report', 'cli-rep', '--bucket', aws.bucket, '--out', out, '--endpoint', aws.sqsEndpoint]).exited;

    expect(code).toBe(1);
    expect(stdout).toContain('cli-rep');
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toMatchObject({ runId: 'cli-rep', status: 'failed' });
    expect(readFileSync(join(out, 'events.csv'), 'utf8')).toBe('at_iso,unit\n');
    expect(stderr).toContain(join(out, 'report.json'));

    const missing = await spawnCli(['fleet', 'report', 'nope', '--bucket', aws.bucket, '--endpoint', aws.sqsEndpoint]).exited;
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no report at s3://');
  });
});
