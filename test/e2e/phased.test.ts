import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../lib/cli/run-command.ts';
import type { RunReport } from '../../lib/core/report/model.ts';
import { SHOP_ROUTES } from '../../lib/target/shop-book.ts';
import { startTarget, type RunningTarget } from '../../lib/target/index.ts';
import { tempDir, writeTemp } from './helpers.ts';

let target: RunningTarget | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

/** A short phased plan in the preset's shape: 2 s baseline, 2 s intervention, fast ON/OFF users. */
function phasedYaml(baseUrl: string): string {
  return `kind: phased
name: e2e-phased
seed: 11
target: ${baseUrl}
duration: 4
warmupDuration: 2
baseline: { users: 5, spawnRate: 20, thinkTimeMean: 0.05, taskWeights: { browse: 5, search: 3, index: 1 } }
intervention: { users: 10, spawnRate: 20, thinkTimeMean: 0.05 }
burst: { onDurationMean: 1, offDurationMean: 0.3 }
session: { lengthMean: 10 }
`;
}

describe('phased end to end (local driver, demo target)', () => {
  it('runs baseline then intervention: every request traced and labelled synthetic, per-endpoint counts equal the shop\'s', async () => {
    // Prepare
    target = await startTarget({ acceptDelayMs: 0 });
    const plan = writeTemp('phased.yaml', phasedYaml(target.url));

    // Act
    const started = Date.now();
    const { exitCode, report } = await runCommand(plan, { out: tempDir(), quiet: true });
    const elapsed = Date.now() - started;

    // Assess: the shop's ground truth against the report
    const r = report as RunReport;
    const shop = target.stats().shop;
    expect(exitCode).toBe(0);
    expect(r.status).toBe('completed');
    expect(r.totals.requests).toBeGreaterThan(100);
    expect(r.totals.errors).toBe(0);
    expect(shop.traced).toBe(r.totals.requests);
    expect(shop.synthetic).toBe(r.totals.requests);
    for (const route of SHOP_ROUTES) expect(r.endpoints[route]?.attempts ?? 0).toBe(shop.byRoute[route]);
    // every started task finished; a checkout (cart, then checkout) never hit an empty cart
    expect(r.lifecycles).toMatchObject({ failed: 0, dropped: 0, inProgress: 0 });
    expect(r.endpoints.checkout?.statusCodes ?? {}).not.toHaveProperty('400');

    // both phases, side by side: the baseline ran only its weighted tasks, the intervention every task
    expect(r.phases?.map((p) => p.name)).toEqual(['baseline', 'intervention']);
    const [baseline, intervention] = r.phases ?? [];
    expect(Object.keys(baseline?.tasks ?? {}).sort()).toEqual(['browse', 'index', 'search']);
    expect(Object.keys(intervention?.tasks ?? {}).sort()).toEqual(['browse', 'cart', 'checkout', 'index', 'search', 'viewCart']);
    expect((baseline?.requests ?? 0) + (intervention?.requests ?? 0)).toBe(r.totals.requests);
    expect(r.expectations).toEqual([{ rule: 'error rate', ok: true, expected: '< 1.00%', actual: '0.00%' }]);
    // 4 s of phases, then the users finish their task: the bound catches a run that goes on, with room
    // for a busy machine.
    expect(elapsed).toBeLessThan(40_000);
  });
});
