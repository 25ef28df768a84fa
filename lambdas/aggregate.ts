import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { aggregateRun, type AggregateOutput } from '../lib/runtime/fleet/aggregate.ts';
import { parseState } from '../lib/runtime/fleet/state.ts';
import { logger, type FleetDeps } from './shared/fleet-deps.ts';
import { deployedPlanFleet, withPlanSecrets } from './shared/plan-secrets.ts';

/** The `Aggregate` step: merge results, verify, evaluate expectations, write the report to S3. */
export function makeAggregateHandler(deps: () => FleetDeps): (input: unknown) => Promise<AggregateOutput> {
  return async (input) =>
    withPlanSecrets(deps(), async ({ deps: d }) => {
      const output = await aggregateRun(parseState('aggregate', input), { store: d.store, objects: d.objects, env: d.env, clock: d.clock, http: d.http });
      logger.info('run aggregated', { runId: output.runId, status: output.status, reportUri: output.reportUri });
      return output;
    });
}

export const handler = middy(makeAggregateHandler(deployedPlanFleet)).use(injectLambdaContext(logger));
