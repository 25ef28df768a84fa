import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AggregateOutput } from '../../lib/runtime/fleet/aggregate.ts';
import { startTarget } from '../../lib/target/index.ts';
import { runOfflineFleet } from '../helpers/offline-fleet.ts';
import { ROOT } from './helpers.ts';

/**
 * Day-in-life with the seed's own intervals (5 s before the first poll, 60 s before end, ...) through the
 * offline cloud, with workers given 2 minutes each so that batches park and continue across invocations.
 * It takes several minutes, so it runs only on request: LOADFLEET_SEED=1 npx vitest run test/e2e/offline-cloud-seed.test.ts
 */
describe.runIf(process.env.LOADFLEET_SEED === '1')('day-in-life with the seed intervals through the offline cloud', () => {
  it('completes: 200 orders, 170 ended, 30 cancelled, none left', async () => {
    const target = await startTarget();
    const yaml = readFileSync(join(ROOT, 'examples/day-in-life-seed.yaml'), 'utf8').replace('http://127.0.0.1:8080', target.url);
    const started = Date.now();
    const run = await runOfflineFleet({ input: { plan: yaml, runId: 'seed' }, workerTimeoutMs: 120_000, maxConcurrency: 10 });
    try {
      const output = run.execution.output as AggregateOutput;
      const units = await run.store.listUnits('seed');
      console.log(JSON.stringify({ minutes: (Date.now() - started) / 60_000, status: run.execution.status, summary: output.summary, units: units.length, continuations: units.filter((u) => u.unit.unitId.includes('.n')).length, invocations: run.poller.counters.invocations, target: target.stats().orders }));
      expect(run.execution.status).toBe('SUCCEEDED');
      expect(output.summary).toMatchObject({ planned: 200, completed: 200, failed: 0, dropped: 0, inProgress: 0, nonTerminal: 0 });
      expect(target.stats().orders).toMatchObject({ total: 200, nonTerminal: 0, byState: { Ended: 170, Cancelled: 30 } });
    } finally {
      await run.aws.stop();
      await target.close();
    }
  }, 1_800_000);
});
