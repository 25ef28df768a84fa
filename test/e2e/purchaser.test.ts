import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../lib/cli/run-command.ts';
import type { RunReport } from '../../lib/core/report/model.ts';
import { startTarget, type RunningTarget } from '../../lib/target/index.ts';
import { tempDir, writeTemp } from './helpers.ts';

let target: RunningTarget | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

/** Knobs of a purchaser plan in the preset's own shape. */
interface PurchaserKnobs {
  readonly purchasers: number;
  readonly totalRate: number;
  readonly duration: string;
  readonly maxInFlight?: number;
}

function purchaserYaml(baseUrl: string, k: PurchaserKnobs): string {
  return `kind: purchaser
name: e2e-purchaser
seed: 11
target: { baseUrl: "${baseUrl}", timeout: 10s }
purchasers: ${k.purchasers}
totalRate: ${k.totalRate}
duration: ${k.duration}
${k.maxInFlight === undefined ? '' : `maxInFlight: ${k.maxInFlight}`}
`;
}

/** planned = completed + failed + dropped, nothing left in progress. */
function expectNothingLost(report: RunReport): void {
  const l = report.lifecycles;
  expect(l.inProgress).toBe(0);
  expect(l.completed + l.failed + l.dropped).toBe(l.planned);
}

describe('purchaser end to end (local driver, real HTTP, demo target)', () => {
  it('makes 200 purchases/s over 4 purchasers for 2 s: the target counts exactly what the report says', async () => {
    // Prepare
    target = await startTarget();
    const plan = writeTemp('purchaser.yaml', purchaserYaml(target.url, { purchasers: 4, totalRate: 200, duration: '2s' }));

    // Act
    const { exitCode, report } = await runCommand(plan, { out: tempDir(), quiet: true });

    // Assess: the target's ground truth equals the report, request for request
    const r = report as RunReport;
    const stats = target.stats();
    expect(exitCode).toBe(0);
    expect(r.status).toBe('completed');
    expect(stats.purchases.total).toBe(r.endpoints.purchase?.attempts);
    expect(stats.purchases.total).toBe(r.lifecycles.completed);
    expect(stats.requests['POST /store/purchase']?.total).toBe(r.endpoints.purchase?.attempts);
    expect(stats.purchases.rejected).toBe(0);
    expect(r.endpoints.purchase?.retries).toBe(0);
    // the achieved rate: within 5% of 200/s x 2 s, nothing dropped on loopback
    expect(r.lifecycles.planned).toBe(400);
    expect(r.lifecycles.dropped).toBe(0);
    expect(Math.abs(stats.purchases.total - 400)).toBeLessThanOrEqual(20);
    expect(Object.values(stats.purchases.byItem).reduce((a, b) => a + b, 0)).toBe(stats.purchases.total);
    expectNothingLost(r);
    expect(r.expectations).toEqual([{ rule: 'lifecycles dropped', ok: true, expected: '<= 20', actual: '0' }]);
  });

  it('shows a 1 s stall of the target in p99 (latency from the intended start) and counts the starts it dropped', async () => {
    // Prepare: 100/s for 3 s, at most 20 purchases in flight
    target = await startTarget();
    const t = target;
    const plan = writeTemp('purchaser.yaml', purchaserYaml(t.url, { purchasers: 3, totalRate: 100, duration: '3s', maxInFlight: 20 }));

    // Act: the target stalls every purchase for 1 s from t = 1 s to t = 2 s
    const running = runCommand(plan, { out: tempDir(), quiet: true });
    const stall = (async () => {
      await sleep(1000);
      t.faults.set({ endpoints: { 'POST /store/purchase': { latencyMs: 1000 } } });
      await sleep(1000);
      t.faults.clear();
    })();
    const [{ report }] = await Promise.all([running, stall]);

    // Assess
    const r = report as RunReport;
    const purchase = r.endpoints.purchase;
    expect(purchase?.latencyMs.p99).toBeGreaterThanOrEqual(900);
    expect(r.lifecycles.dropped).toBeGreaterThan(0);
    expect(r.lifecycles.reasons['in-flight cap reached (load.maxInFlight)']).toBe(r.lifecycles.dropped);
    expectNothingLost(r);
    // every purchase sent reached the target, once; the stalled ones still succeeded
    expect(t.stats().purchases.total).toBe(purchase?.attempts);
    expect(purchase?.attempts).toBe(r.lifecycles.completed + r.lifecycles.failed);
    expect(purchase?.retries).toBe(0);
  });
});
