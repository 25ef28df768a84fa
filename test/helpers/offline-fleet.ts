import { Template } from 'aws-cdk-lib/assertions';
import { App } from 'aws-cdk-lib';
import { DynamoFleetStore } from '../../lib/adapters/aws/dynamo-fleet-store.ts';
import { S3ObjectStore } from '../../lib/adapters/aws/s3-object-store.ts';
import { SqsUnitQueue } from '../../lib/adapters/aws/sqs-unit-queue.ts';
import { UndiciHttpClient } from '../../lib/adapters/http/undici-client.ts';
import { systemClock } from '../../lib/adapters/local/system-clock.ts';
import type { FleetStore } from '../../lib/core/fleet/ports.ts';
import { parseFleetConfig } from '../../lib/infra/config.ts';
import { LoadfleetStack } from '../../lib/infra/stack.ts';
import type { FleetEnv } from '../../lib/runtime/fleet/fleet-env.ts';
import { makeAggregateHandler } from '../../lambdas/aggregate.ts';
import { makeDispatchHandler } from '../../lambdas/dispatch.ts';
import { makePlanHandler } from '../../lambdas/plan.ts';
import { makeProgressHandler } from '../../lambdas/progress.ts';
import type { FleetDeps } from '../../lambdas/shared/fleet-deps.ts';
import { makeSweepHandler } from '../../lambdas/sweep.ts';
import { makeWorkerHandler } from '../../lambdas/worker.ts';
import type { UnitMetric } from '../../lib/runtime/fleet/unit-metrics.ts';
import type { SecretValues } from '../../lib/runtime/fleet/secret-sources.ts';
import { leaseMsFor } from '../../lib/runtime/fleet/worker.ts';
import { startAwsEmulators, type AwsEmulators } from './aws-emulators.ts';
import { CrashSwitch } from './fleet-faults.ts';
import { SqsEventSourcePoller, localHandlersFor, runStateMachine, stateMachineFromTemplate, type StateMachineRun } from './offline-cloud/index.ts';
import type { SQSEvent } from 'aws-lambda';

/** The state machine exactly as `cdk synth` writes it (bundling skipped: the ASL does not depend on it). */
export function synthesizedStateMachine(): ReturnType<typeof stateMachineFromTemplate> {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new LoadfleetStack(app, 'Loadfleet', { config: parseFleetConfig({ allowedHosts: ['127.0.0.1'] }) });
  return stateMachineFromTemplate(Template.fromStack(stack).toJSON());
}

/** A fault injected into one worker invocation (by the unit it carries and its delivery number). */
export type WorkerFault = { readonly crashAfterSends: number } | { readonly crashAfterSaving: true } | undefined;

/** Options of `runOfflineFleet`. */
export interface OfflineFleetOptions {
  /** The execution input (e.g. `{ plan: yaml }`). */
  readonly input: unknown;
  /** The worker Lambda's timeout in ms (its park margin is a fifth of it). Default 20 s. */
  readonly workerTimeoutMs?: number;
  readonly maxConcurrency?: number;
  /** Planning to common start (the stack's startLeadSeconds). Default 300 ms. */
  readonly startLeadMs?: number;
  /** SQS visibility timeout of the unit queue, seconds. Default: just above a claim's lease. */
  readonly visibilityTimeoutSeconds?: number;
  readonly fault?: (unitId: string, receiveCount: number) => WorkerFault;
  /** Runs once the units are dispatched (e.g. to send a duplicate, or to stop the run later). */
  readonly afterDispatch?: (ctx: { store: FleetStore; queue: SqsUnitQueue; runId: string }) => Promise<void> | void;
  /** The stack's secrets, as the functions that load plans read them (default: none). */
  readonly secrets?: SecretValues;
  /** Also gives each worker's metrics to this (e.g. the real EMF publisher); they are collected either way. */
  readonly publish?: (metrics: readonly UnitMetric[]) => void;
}

/** What an offline run leaves to assert on. */
export interface OfflineFleetRun {
  readonly execution: StateMachineRun;
  readonly store: DynamoFleetStore;
  readonly objects: S3ObjectStore;
  readonly poller: SqsEventSourcePoller;
  readonly metrics: UnitMetric[];
  /** The body of every SQS message delivered to a worker, in order. */
  readonly messages: string[];
  readonly aws: AwsEmulators;
}

/**
 * Runs one execution through the offline cloud: the synthesized state machine on aws-local-stepfunctions,
 * its tasks routed to the real handlers (lambdas/*.ts); the worker fed by an SQS event-source poller on
 * fauxqs; the run table on dynalite; reports on fauxqs's S3. Faults are injected per invocation by
 * swapping the worker's store and HTTP client for ones that "die" (see `CrashSwitch`).
 */
export async function runOfflineFleet(opts: OfflineFleetOptions): Promise<OfflineFleetRun> {
  const workerTimeoutMs = opts.workerTimeoutMs ?? 20_000;
  const lease = leaseMsFor(workerTimeoutMs);
  const aws = await startAwsEmulators({ visibilityTimeoutSeconds: opts.visibilityTimeoutSeconds ?? Math.ceil(lease / 1000) + 1, maxReceiveCount: 5 });
  const store = new DynamoFleetStore({ client: aws.clients.dynamo, tableName: aws.tableName });
  const queue = new SqsUnitQueue({ client: aws.clients.sqs, queueUrl: aws.queueUrl });
  const objects = new S3ObjectStore({ client: aws.clients.s3, bucket: aws.bucket });
  const fleet: FleetEnv = {
    tableName: aws.tableName, queueUrl: aws.queueUrl, bucket: aws.bucket, allowedHosts: ['127.0.0.1'],
    limits: { maxRps: 2000, maxDurationSeconds: 600, maxRequests: 1_000_000 }, workerTimeoutMs, startLeadMs: opts.startLeadMs ?? 300, maxConcurrency: opts.maxConcurrency ?? 5,
  };
  const http = new UndiciHttpClient();
  const deps: FleetDeps = { store, queue, objects, fleet, env: {}, clock: systemClock, http: () => new UndiciHttpClient(), workerHttp: http, secrets: opts.secrets };
  const metrics: UnitMetric[] = [];
  const messages: string[] = [];
  const publish = (m: readonly UnitMetric[]): void => {
    metrics.push(...m);
    opts.publish?.(m);
  };
  const worker = makeWorkerHandler(() => deps, publish);
  const poller = new SqsEventSourcePoller({
    sqs: aws.clients.sqs, queueUrl: aws.queueUrl, batchSize: 1, maxConcurrency: fleet.maxConcurrency, functionTimeoutMs: workerTimeoutMs, waitTimeSeconds: 1,
    handler: worker,
    onInvoke: (event: SQSEvent) => {
      messages.push(...event.Records.map((r) => r.body));
      const record = event.Records[0];
      const unitId = record ? (JSON.parse(record.body) as { unitId: string }).unitId : '';
      const fault = opts.fault?.(unitId, Number(record?.attributes.ApproximateReceiveCount ?? 1));
      if (!fault) return;
      const crash = new CrashSwitch('crashAfterSends' in fault ? fault.crashAfterSends : undefined);
      const dying: FleetDeps = { ...deps, store: crash.store(store, { afterCompleting: 'crashAfterSaving' in fault }), workerHttp: crash.http(http) };
      return { handler: makeWorkerHandler(() => dying, publish) };
    },
  });
  const { definition, taskResources } = synthesizedStateMachine();
  const dispatch = makeDispatchHandler(() => deps);
  const handlers = localHandlersFor(taskResources, {
    Plan: makePlanHandler(() => deps),
    Dispatch: async (input: unknown) => {
      const out = await dispatch(input);
      await opts.afterDispatch?.({ store, queue, runId: out.runId });
      return out;
    },
    CheckProgress: makeProgressHandler(() => deps),
    Sweep: makeSweepHandler(() => deps),
    Aggregate: makeAggregateHandler(() => deps),
  });
  await poller.start();
  try {
    const execution = await runStateMachine({ definition, input: opts.input, handlers, waitScale: 0.05, functionTimeoutMs: 900_000 });
    return { execution, store, objects, poller, metrics, messages, aws };
  } finally {
    await poller.stop();
    await http.close();
  }
}
