import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { awsClients } from '../adapters/aws/clients.ts';
import { DynamoFleetStore } from '../adapters/aws/dynamo-fleet-store.ts';
import { S3ObjectStore } from '../adapters/aws/s3-object-store.ts';
import type { RunReport } from '../core/report/model.ts';
import { renderSummary } from '../report/terminal.ts';
import { EXIT, exitCodeOf } from './exit-codes.ts';

/** Where the deployed fleet is (the stack's outputs), and an emulator endpoint for tests. */
export interface FleetTarget {
  readonly table?: string | undefined;
  readonly bucket?: string | undefined;
  readonly region?: string | undefined;
  /** Send every AWS call here instead (an emulator on loopback); not for real use. */
  readonly endpoint?: string | { dynamodb?: string; sqs?: string; s3?: string } | undefined;
}

function clients(target: FleetTarget): ReturnType<typeof awsClients> {
  const local = target.endpoint !== undefined;
  return awsClients({ region: target.region, endpoint: target.endpoint, ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, region: target.region ?? 'us-east-1' } : {}) });
}

/**
 * `loadfleet fleet stop RUN`: sets the run's stop flag (RUNNING -> STOPPING, a conditional write).
 * Workers see it within seconds: they start nothing new, clean up what they created, and the
 * execution ends in RunAborted after the sweep.
 */
export async function fleetStopCommand(runId: string, reason: string, target: FleetTarget, log: (line: string) => void): Promise<number> {
  if (!target.table) {
    log('error: --table is required (the stack output TableName)');
    return EXIT.invalidInput;
  }
  const store = new DynamoFleetStore({ client: clients(target).dynamo, tableName: target.table });
  const run = await store.getRun(runId);
  if (!run) {
    log(`error: no run ${runId} in table ${target.table}`);
    return EXIT.invalidInput;
  }
  if (!(await store.requestStop(runId, reason))) {
    log(`run ${runId} is already ${run.status.toLowerCase()}; nothing to stop`);
    return EXIT.ok;
  }
  log(`run ${runId}: stop requested (${reason}); workers stop within seconds, then the sweep cleans up`);
  return EXIT.ok;
}

/**
 * `loadfleet fleet report RUN`: fetches runs/RUN/report.json (and events.csv) from the report bucket
 * into a local folder and prints the summary. Exit code as for a local run: 0, 1 (expectations
 * failed), 130 (aborted); 2 when there is no report yet.
 */
export async function fleetReportCommand(runId: string, out: string | undefined, target: FleetTarget, log: (line: string) => void): Promise<number> {
  if (!target.bucket) {
    log('error: --bucket is required (the stack output ReportBucketName)');
    return EXIT.invalidInput;
  }
  const objects = new S3ObjectStore({ client: clients(target).s3, bucket: target.bucket });
  const text = await objects.get(`runs/${runId}/report.json`);
  if (text === undefined) {
    log(`error: no report at ${objects.uri(`runs/${runId}/report.json`)} yet: the run may still be going (see its execution in Step Functions)`);
    return EXIT.invalidInput;
  }
  const report = JSON.parse(text) as RunReport;
  const dir = out ?? join('reports', runId);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'report.json'), text);
  const events = await objects.get(`runs/${runId}/events.csv`);
  if (events !== undefined) await writeFile(join(dir, 'events.csv'), events);
  process.stdout.write(`${renderSummary(report)}\n`);
  log(`reports: ${join(dir, 'report.json')}${events !== undefined ? `, ${join(dir, 'events.csv')}` : ''}`);
  return exitCodeOf(report.status);
}
