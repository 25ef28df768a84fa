import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../lib/cli/run-command.ts';
import { CHARGEBACKS_PATH, ORDERS_PATH } from '../../lib/core/presets/webhooks.ts';
import type { RunReport } from '../../lib/core/report/model.ts';
import { startTarget, type RunningTarget } from '../../lib/target/index.ts';
import { tempDir, writeTemp } from './helpers.ts';

let target: RunningTarget | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

const ORDER_REQUESTS = ['orderCreated', 'orderUpdated', 'orderSuccess', 'orderFailed'];
const CHARGEBACK_REQUESTS = ['chargebackOpened', 'chargebackUpdated', 'chargebackWon', 'chargebackLost'];

/** A webhooks plan in the seed's flag shape. */
function webhooksYaml(baseUrl: string, vus: number, duration: string, disputeRatio: number): string {
  return `kind: webhooks
name: e2e-webhooks
seed: 11
target: ${baseUrl}
vus: ${vus}
duration: ${duration}
disputeRatio: ${disputeRatio}
`;
}

function attempts(report: RunReport, names: readonly string[]): number {
  return names.reduce((sum, name) => sum + (report.endpoints[name]?.attempts ?? 0), 0);
}

describe('webhooks end to end (local driver, demo target)', () => {
  it('sends only valid transitions, disputes ~30% of successes, closes every dispute and stops at the deadline', async () => {
    // Prepare
    target = await startTarget({ acceptDelayMs: 0 });
    const plan = writeTemp('webhooks.yaml', webhooksYaml(target.url, 8, '3s', 0.3));

    // Act
    const started = Date.now();
    const { exitCode, report } = await runCommand(plan, { out: tempDir(), quiet: true });
    const elapsed = Date.now() - started;

    // Assess: the target's ground truth
    const stats = target.stats();
    const wh = stats.webhooks;
    expect(wh.invalidTransitions).toBe(0);
    expect(wh.duplicates).toBe(0);
    expect(wh.rejected).toBe(0);
    expect(wh.orders.byStatus.created + wh.orders.byStatus.updated).toBe(0);
    expect(wh.chargebacks.open).toBe(0);
    expect(wh.chargebacks.byStatus.closed).toBe(wh.chargebacks.total);

    // ~30% of successful orders disputed: within 4 standard deviations of a binomial(n, 0.3). How many
    // orders 3 s holds depends on the machine (about 1,000 idle, 228 seen with two CPU hogs), so the floor
    // only asks for enough orders to make the check mean something.
    const n = wh.orders.byStatus.success;
    expect(n).toBeGreaterThanOrEqual(50);
    const sd = Math.sqrt(n * 0.3 * 0.7);
    expect(Math.abs(wh.chargebacks.total - 0.3 * n)).toBeLessThanOrEqual(4 * sd);

    // ...and the report agrees with it exactly
    const r = report as RunReport;
    expect(exitCode).toBe(0);
    expect(r.status).toBe('completed');
    expect(attempts(r, ORDER_REQUESTS)).toBe(stats.requests[`POST ${ORDERS_PATH}`]?.total);
    expect(attempts(r, CHARGEBACK_REQUESTS)).toBe(stats.requests[`POST ${CHARGEBACKS_PATH}`]?.total);
    expect(r.totals.requests).toBe(wh.accepted);
    expect(r.totals.errors).toBe(0);
    expect(r.states.created).toBe(wh.orders.total);
    expect(r.states.success).toBe(wh.orders.byStatus.success);
    expect(r.states.failed ?? 0).toBe(wh.orders.byStatus.failed);
    expect(r.states.disputed).toBe(wh.chargebacks.total);
    expect(r.states.won ?? 0).toBe(wh.chargebacks.byResolution.won);
    expect(r.states.lost ?? 0).toBe(wh.chargebacks.byResolution.lost);
    expect(r.nonTerminal.count).toBe(0);

    // a clean stop at the deadline: every started lifecycle finished, none in progress, none dropped
    const l = r.lifecycles;
    expect(l.planned).toBe(wh.orders.total);
    expect(l).toMatchObject({ completed: wh.orders.total, failed: 0, dropped: 0, inProgress: 0 });
    expect(l.planned).toBe(l.completed + l.failed + l.dropped);
    expect(r.notes.filter((note) => note.includes('stopped early'))).toEqual([]);
    // It ran its 3 s and then stopped: the users start nothing after the deadline and the orders in
    // flight finish (a few 10 ms steps each). The upper bound only catches a run that goes on; how
    // close to 3 s it ends depends on the machine's load (the vus model's exact deadline is tested on a
    // fake clock in test/core/load).
    expect(r.durationMs).toBeGreaterThanOrEqual(3000);
    expect(r.durationMs).toBeLessThan(20_000);
    expect(elapsed).toBeLessThan(40_000);
    expect(r.expectations.every((e) => e.ok)).toBe(true);
  });
});
