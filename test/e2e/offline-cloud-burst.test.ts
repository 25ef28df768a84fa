import { afterEach, describe, expect, it } from 'vitest';
import type { RunReport } from '../../lib/core/report/model.ts';
import type { AggregateOutput } from '../../lib/runtime/fleet/aggregate.ts';
import { startTarget, type RunningTarget } from '../../lib/target/index.ts';
import { runOfflineFleet, type OfflineFleetRun } from '../helpers/offline-fleet.ts';

let target: RunningTarget | undefined;
let run: OfflineFleetRun | undefined;
afterEach(async () => {
  await run?.aws.stop();
  await target?.close();
  run = undefined;
  target = undefined;
});

describe('a burst spread over many workers through the offline cloud (flash sale)', () => {
  it('runs setup in the plan step, one slice per worker (spread) at the common start, verify in the aggregate step', async () => {
    target = await startTarget();
    const plan = `kind: flash-sale
name: offline-flash-sale
target: { baseUrl: "${target.url}", timeout: 10s }
coupon: FLASH_FLEET
stock: 5
buyers: 50
spread: true
startDelay: 200ms
`;
    run = await runOfflineFleet({ input: { plan, runId: 'flash' }, maxConcurrency: 5, startLeadMs: 2500 });

    expect(run.execution.status).toBe('SUCCEEDED');
    const output = run.execution.output as AggregateOutput;
    expect(output.summary).toMatchObject({ planned: 50, inProgress: 0, expectationsFailed: [] });
    const report = JSON.parse((await run.objects.get('runs/flash/report.json')) ?? '{}') as RunReport & { fleet: { workers: number; units: number } };
    // Exactly the stock was sold, the rest refused, and the verify step read the coupon back from the target
    const claims = report.endpoints.claim?.statusCodes ?? {};
    expect((claims['201'] ?? 0) + (claims['200'] ?? 0)).toBe(5);
    expect(report.verified).toMatchObject({ remaining: 0 });
    // One slice per worker environment, all released at the common start; the skew is measured, not assumed
    expect(report.fleet.units).toBe(5);
    expect(report.fleet.workers).toBe(5);
    expect(report.starts?.count).toBe(50);
    expect(output.summary.workers).toBe(5);
    expect(output.summary.startSkewMs).toBeGreaterThanOrEqual(0);
    expect(output.summary.startSkewMs).toBeLessThan(1000);
  });
});
