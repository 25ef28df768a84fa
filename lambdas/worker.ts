import middy from '@middy/core';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { UnitSchema } from '../lib/core/units.ts';
import { parkMarginMs, runFleetUnit } from '../lib/runtime/fleet/worker.ts';
import { publishUnitMetrics } from './shared/emf.ts';
import { logger, sharedHttpClient, type FleetDeps } from './shared/fleet-deps.ts';
import { deployedPlanFleet, withPlanSecrets } from './shared/plan-secrets.ts';

/**
 * The worker: each SQS record is one unit. A body that is not a unit is rejected once (logged,
 * acknowledged), never retried forever; a unit held by another live worker, or any failure, is
 * reported in `batchItemFailures`, so only that record comes back after the visibility timeout.
 * Everything else is `runFleetUnit`: the same `runUnit` the local driver calls. The plan's
 * `${env:NAME}` are the stack's secrets; a unit's cursors arrive sealed and are unsealed here
 * (`withPlanSecrets`).
 */
export function makeWorkerHandler(deps: () => FleetDeps, publish = publishUnitMetrics): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  return async (event, context) => withPlanSecrets(deps(), async ({ deps: d, seal }) => {
    // Park while there is still time to hand the work on (Lambda ends the invocation hard at its timeout).
    const remaining = context.getRemainingTimeInMillis();
    const park = AbortSignal.timeout(Math.max(0, remaining - parkMarginMs(remaining)));
    const http = sharedHttpClient(d);
    const recordHandler = async (record: SQSRecord): Promise<void> => {
      const parsed = UnitSchema.safeParse(safeJson(record.body));
      if (!parsed.success) {
        logger.error('rejected a message that is not a unit', { messageId: record.messageId, issues: parsed.error.issues.slice(0, 5) });
        return;
      }
      const unit = seal.unseal(parsed.data);
      let outcome: Awaited<ReturnType<typeof runFleetUnit>>;
      try {
        outcome = await runFleetUnit(unit, {
          store: d.store, queue: d.queue, objects: d.objects, fleet: d.fleet, env: d.env, clock: d.clock, http, park,
          workerId: context.logStreamName, publish,
        });
      } catch (error) {
        // Reported as a batch item failure: the message comes back after the visibility timeout.
        logger.warn('unit not done; it will be delivered again', { runId: unit.runId, unitId: unit.unitId, error: error as Error });
        throw error;
      }
      logger.info('unit', { runId: unit.runId, unitId: unit.unitId, status: outcome.status, attempt: outcome.attempt, continuations: outcome.continuations, saved: outcome.saved });
    };
    return processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false });
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export const handler = middy(makeWorkerHandler(deployedPlanFleet)).use(injectLambdaContext(logger));
