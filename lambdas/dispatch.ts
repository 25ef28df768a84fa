import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { dispatchQueued } from '../lib/runtime/fleet/dispatch.ts';
import { DispatchIncompleteError } from '../lib/runtime/fleet/errors.ts';
import { parseState, type FleetState } from '../lib/runtime/fleet/state.ts';
import { deployedFleet, logger, type FleetDeps } from './shared/fleet-deps.ts';

/**
 * The `Dispatch` step: send the run's units to the queue (10 per call, refused entries retried). If
 * some are still refused it fails with `DispatchIncomplete`, which the state machine retries; units
 * already sent are not sent again.
 */
export function makeDispatchHandler(deps: () => FleetDeps): (input: unknown) => Promise<FleetState & { sent: number }> {
  return async (input) => {
    const state = parseState('dispatch', input);
    const d = deps();
    const { sent, left } = await dispatchQueued(state.runId, d.store, d.queue, d.clock.now());
    logger.info('units dispatched', { runId: state.runId, sent, left });
    if (left > 0) throw new DispatchIncompleteError(`${left} unit(s) of run ${state.runId} were refused by the queue`);
    return { ...state, sent };
  };
}

export const handler = middy(makeDispatchHandler(deployedFleet)).use(injectLambdaContext(logger));
