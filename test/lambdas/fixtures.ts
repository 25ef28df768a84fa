// Shared fixtures of the handler tests: a fleet environment, small plans whose target is loopback
// (never contacted: ScriptedHttp answers), SDK clients that cannot reach AWS, and the schema every
// worker response must satisfy.
import type { SQSEvent } from 'aws-lambda';
import { expect } from 'vitest';
import { z } from 'zod';
import { awsClients, type AwsClients } from '../../lib/adapters/aws/clients.ts';
import { MemoryFleetStore } from '../../lib/adapters/local/memory-fleet-store.ts';
import { MemoryObjectStore } from '../../lib/adapters/local/memory-object-store.ts';
import type { RunRecord, UnitRow } from '../../lib/core/fleet/ports.ts';
import type { FleetEnv } from '../../lib/runtime/fleet/fleet-env.ts';
import { planRun } from '../../lib/runtime/fleet/plan-run.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { judgeBatchResponse, toSqsEvent } from '../helpers/offline-cloud/sqs-event.ts';
import { ScriptedHttp } from '../helpers/scripted-http.ts';

export const REGION = 'us-east-1';
export const TABLE = 'loadfleet-runs';
export const BUCKET = 'loadfleet-reports';
/** Port 9 (discard) on loopback: were a mock ever bypassed, the SDK would fail locally, never reach AWS. */
export const OFFLINE_ENDPOINT = 'http://127.0.0.1:9';
export const QUEUE_URL = `${OFFLINE_ENDPOINT}/000000000000/loadfleet-units`;
export const QUEUE_ARN = `arn:aws:sqs:${REGION}:000000000000:loadfleet-units`;
/** The plans' target: loopback, on the allowlist; ScriptedHttp answers, nothing listens there. */
export const TARGET = 'http://127.0.0.1:1';
export const T0 = Date.UTC(2026, 0, 1, 8, 0, 0);
export const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export const FLEET: FleetEnv = {
  tableName: TABLE, queueUrl: QUEUE_URL, bucket: BUCKET, allowedHosts: ['127.0.0.1'],
  limits: { maxRps: 100, maxDurationSeconds: 600, maxRequests: 1000 }, workerTimeoutMs: 60_000, startLeadMs: 1000, maxConcurrency: 10,
};

/** A `kind: custom` plan: `count` payloads in batches of one (units b0001..), one GET /ping per lifecycle. */
export function pingPlan(count: number, baseUrl = TARGET): string {
  return `kind: custom
name: ping
seed: 1
target: { baseUrl: "${baseUrl}", retry: { max: 0 } }
payloads: { count: ${count} }
requests: { ping: { method: GET, path: /ping } }
lifecycle: [ { request: ping } ]
load: { model: batches, batchSize: 1, parallel: 1 }
`;
}

/**
 * The fleet's clients as the deployed Lambdas build them (`awsClients`), except that nothing can reach
 * AWS: an explicit loopback endpoint, static credentials. Tests stub `send` with aws-sdk-client-mock.
 */
export function offlineClients(maxAttempts = 1): AwsClients {
  return awsClients({ endpoint: OFFLINE_ENDPOINT, region: REGION, credentials: CREDENTIALS, maxAttempts });
}

/** A fake clock and a scripted HTTP client that answers GET /ping with 200. */
export function scriptedTarget(): { clock: FakeClock; http: ScriptedHttp } {
  const clock = new FakeClock(T0);
  return { clock, http: new ScriptedHttp(clock).on('GET', '/ping', { status: 200, body: { ok: true } }) };
}

/**
 * Plans `runId` with the real plan step into a `MemoryFleetStore`, so a test gets the run row and the
 * unit rows exactly as the plan handler would write them (to seed a store, or a mocked table).
 */
export async function plannedRun(runId: string, count: number): Promise<{ store: MemoryFleetStore; run: RunRecord; rows: UnitRow[] }> {
  const store = new MemoryFleetStore();
  const { clock, http } = scriptedTarget();
  await planRun({ plan: pingPlan(count), runId }, { store, objects: new MemoryObjectStore(BUCKET), fleet: FLEET, env: {}, clock, http: () => http });
  const run = await store.getRun(runId);
  if (!run) throw new Error(`plan step wrote no run ${runId}`);
  return { store, run, rows: await store.listUnits(runId) };
}

/** A batch of SQS records carrying these bodies, as the event source mapping delivers them. */
export function sqsEvent(records: ReadonlyArray<{ id: string; body: string }>): SQSEvent {
  const messages = records.map((r, i) => ({
    MessageId: r.id, ReceiptHandle: `rh-${r.id}`, Body: r.body,
    Attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(T0 + i), ApproximateFirstReceiveTimestamp: String(T0 + i) },
  }));
  return toSqsEvent(messages, QUEUE_ARN);
}

/** `SQSBatchResponse` exactly: one key, a list of entries with one non-empty string key each. */
export const SqsBatchResponseSchema = z.strictObject({
  batchItemFailures: z.array(z.strictObject({ itemIdentifier: z.string().min(1) })),
});

/**
 * Checks a worker's response is a well-formed `SQSBatchResponse` that Lambda would accept for `event`
 * (every identifier one of the batch's message ids) and returns the failed ids, sorted.
 */
export function failedIds(response: unknown, event: SQSEvent): string[] {
  const parsed = SqsBatchResponseSchema.parse(response);
  const verdict = judgeBatchResponse(parsed, event);
  expect(verdict.kind).toBe('ok');
  const ids = parsed.batchItemFailures.map((f) => f.itemIdentifier);
  expect(new Set(ids).size).toBe(ids.length);
  return ids.sort();
}
