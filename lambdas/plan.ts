import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { planRun } from '../lib/runtime/fleet/plan-run.ts';
import type { FleetState } from '../lib/runtime/fleet/state.ts';
import { logger, type FleetDeps } from './shared/fleet-deps.ts';
import { deployedPlanFleet, withPlanSecrets } from './shared/plan-secrets.ts';

/**
 * The `Plan` step: validate the execution input's plan against the deployment's allowlist and caps,
 * run its setup, write the run and its units. An `InvalidPlan` error ends the execution in
 * `PlanRejected` with the reason (file:line:col and key for plan errors). The plan's `${env:NAME}`
 * are the stack's secrets (`withPlanSecrets`).
 */
export function makePlanHandler(deps: () => FleetDeps): (input: unknown) => Promise<FleetState> {
  return async (input) =>
    withPlanSecrets(deps(), async ({ deps: d }) => {
      const state = await planRun(input, { store: d.store, objects: d.objects, fleet: d.fleet, env: d.env, clock: d.clock, http: d.http });
      logger.info('run planned', { runId: state.runId, startAt: state.startAt });
      return state;
    });
}

export const handler = middy(makePlanHandler(deployedPlanFleet)).use(injectLambdaContext(logger));
