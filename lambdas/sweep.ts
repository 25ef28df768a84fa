import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parseState, type SweepState } from '../lib/runtime/fleet/state.ts';
import { sweepRun } from '../lib/runtime/fleet/sweep.ts';
import { logger, type FleetDeps } from './shared/fleet-deps.ts';
import { deployedPlanFleet, withPlanSecrets } from './shared/plan-secrets.ts';

/** The `Sweep` step: take what no live worker holds, clean up open lifecycles, count the rest. */
export function makeSweepHandler(deps: () => FleetDeps): (input: unknown) => Promise<SweepState> {
  return async (input) =>
    withPlanSecrets(deps(), async ({ deps: d }) => {
      const http = d.http();
      try {
        const state = await sweepRun(parseState('sweep', input), { store: d.store, objects: d.objects, env: d.env, clock: d.clock, http, workerTimeoutMs: d.fleet.workerTimeoutMs });
        logger.info('sweep', { runId: state.runId, swept: state.swept });
        return state;
      } finally {
        await http.close();
      }
    });
}

export const handler = middy(makeSweepHandler(deployedPlanFleet)).use(injectLambdaContext(logger));
