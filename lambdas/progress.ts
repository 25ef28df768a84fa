import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { checkProgress } from '../lib/runtime/fleet/progress.ts';
import { parseState, type ProgressState } from '../lib/runtime/fleet/state.ts';
import { deployedFleet, logger, type FleetDeps } from './shared/fleet-deps.ts';

/** The `CheckProgress` step: stop at the deadline, re-send unsent units, say whether the run is finished. */
export function makeProgressHandler(deps: () => FleetDeps): (input: unknown) => Promise<ProgressState> {
  return async (input) => {
    const d = deps();
    const state = await checkProgress(parseState('progress', input), { store: d.store, queue: d.queue, clock: d.clock, workerTimeoutMs: d.fleet.workerTimeoutMs });
    logger.info('progress', { runId: state.runId, outstanding: state.outstanding, finished: state.finished });
    return state;
  };
}

export const handler = middy(makeProgressHandler(deployedFleet)).use(injectLambdaContext(logger));
