import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../lib/cli/run-command.ts';
import type { RunReport } from '../../lib/core/report/model.ts';
import { startTarget, type CouponStoreOption, type RunningTarget } from '../../lib/target/index.ts';
import { postgresUnavailableReason, startPostgres, type RunningPostgres } from '../helpers/postgres.ts';
import { tempDir, writeTemp } from './helpers.ts';

/** The seed's flash sale (50 buyers, 5 in stock) with a short start delay, as YAML text. */
function flashSaleYaml(baseUrl: string, coupon = 'FLASH_TEST'): string {
  return `kind: flash-sale
name: e2e-flash-sale
target: { baseUrl: "${baseUrl}", timeout: 10s }
coupon: ${coupon}
stock: 5
buyers: 50
startDelay: 100ms
`;
}

const RUNS = 10;
/** Generous: loopback skew is usually a few ms, but a loaded CI machine may pause the event loop. */
const MAX_SKEW_MS = 200;

let target: RunningTarget | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

async function run(t: RunningTarget): Promise<{ exitCode: number; report: RunReport }> {
  const plan = writeTemp('flash-sale.yaml', flashSaleYaml(t.url));
  const { exitCode, report } = await runCommand(plan, { out: tempDir(), quiet: true });
  if (!report) throw new Error(`no report (exit code ${exitCode})`);
  return { exitCode, report };
}

/** 201s plus 200s the report counted for the claim endpoint. */
const successes = (r: RunReport): number => (r.endpoints.claim?.statusCodes['201'] ?? 0) + (r.endpoints.claim?.statusCodes['200'] ?? 0);

/** Runs the sale `RUNS` times against `t` (reset in between), checking each run against the target's ground truth. */
async function passesEveryRun(t: RunningTarget, label: string): Promise<void> {
  const skews: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await t.reset();
    const { exitCode, report } = await run(t);

    // The report: exactly 5 successes and 45 out of stock, nothing else, every rule held
    expect(report.expectations.filter((e) => !e.ok), `run ${i + 1}`).toEqual([]);
    expect(exitCode).toBe(0);
    expect(report.status).toBe('completed');
    expect(successes(report)).toBe(5);
    expect(report.endpoints.claim?.statusCodes['400']).toBe(45);
    expect(report.endpoints.claim?.attempts).toBe(50);
    expect(report.totals.errors).toBe(0);
    expect(report.lifecycles).toMatchObject({ planned: 50, completed: 50, failed: 0, dropped: 0 });
    // ...read back from the target after the load
    expect(report.verified?.remaining).toBe(0);
    const claimedBy = report.verified?.claimedBy as string[];
    expect(claimedBy).toHaveLength(5);
    expect(new Set(claimedBy).size).toBe(5);
    expect(claimedBy.every((u) => /^user_\d+$/.test(u))).toBe(true);
    // ...and the target's own counters agree
    expect(t.stats().coupons.claims).toEqual({ ok: 5, outOfStock: 45, alreadyClaimed: 0 });

    // Start skew: measured across all 50 sends
    expect(report.starts?.count).toBe(50);
    expect(report.starts?.skewMs).toBeGreaterThanOrEqual(0);
    expect(report.starts?.skewMs).toBeLessThan(MAX_SKEW_MS);
    skews.push(report.starts?.skewMs ?? NaN);
  }
  const sorted = [...skews].sort((a, b) => a - b);
  console.log(`flash-sale ${label}: ${RUNS}/${RUNS} passed; start skew ms min ${sorted[0]?.toFixed(2)}, median ${sorted[RUNS / 2]?.toFixed(2)}, max ${sorted[RUNS - 1]?.toFixed(2)} (${skews.map((s) => s.toFixed(2)).join(', ')})`);
}

describe('flash-sale end to end (local driver, demo target)', () => {
  it(`50 buyers against 5 in stock pass ${RUNS} runs out of ${RUNS} on the in-memory store`, async () => {
    // Prepare
    target = await startTarget({ coupons: 'memory' });

    // Act + Assess
    await passesEveryRun(target, 'memory');
  }, 60_000);

  it('fails (exit 1) on the racy store, showing the oversell and which rules broke, expected vs actual', async () => {
    // Prepare
    target = await startTarget({ coupons: 'racy' satisfies CouponStoreOption });

    // Act
    const { exitCode, report } = await run(target);

    // Assess: the run failed on the rules an oversell breaks
    expect(exitCode).toBe(1);
    expect(report.status).toBe('failed');
    const failed = report.expectations.filter((e) => !e.ok);
    const rules = failed.map((e) => e.rule);
    expect(rules).toEqual(expect.arrayContaining(['endpoint claim status 201', 'endpoint claim status 400', 'verified claimedBy count']));
    const sold = failed.find((e) => e.rule === 'endpoint claim status 201');
    expect(sold?.expected).toBe('<= 5');
    expect(Number(sold?.actual)).toBeGreaterThan(5);
    expect(failed.find((e) => e.rule === 'endpoint claim status 400')?.expected).toBe('= 45');
    // ...the oversell is visible in the report: more than 5 successes, more than 5 claimants
    const oversold = successes(report);
    expect(oversold).toBeGreaterThan(5);
    expect((report.verified?.claimedBy as string[]).length).toBe(oversold);
    // ...lost updates: the store decremented from a stale read, so remaining does not add up
    expect((report.verified?.remaining as number) + oversold).not.toBe(5);
    // ...and it is what the target saw
    expect(target.stats().coupons.claims.ok).toBe(oversold);
    expect(report.totals.errors).toBe(0); // every response was an expected one: the target, not the run, is wrong
    console.log(`flash-sale racy: exit ${exitCode}; ${oversold} successes, remaining ${String(report.verified?.remaining)}; failed: ${failed.map((e) => `${e.rule} (expected ${e.expected}, actual ${e.actual})`).join('; ')}`);
  }, 30_000);

  it('refuses to run the sale on a coupon that already exists: setup fails, no claim is sent, exit 1', async () => {
    // Prepare: a first sale uses the coupon
    target = await startTarget();
    expect((await run(target)).exitCode).toBe(0);

    // Act: the same plan again, without a reset
    const { exitCode, report } = await run(target);

    // Assess
    expect(exitCode).toBe(1);
    expect(report.notes.join('\n')).toMatch(/setup failed: create: http4xx 409/);
    expect(report.lifecycles).toMatchObject({ planned: 50, dropped: 50, completed: 0 });
    expect(target.stats().coupons.claims).toEqual({ ok: 5, outOfStock: 45, alreadyClaimed: 0 });
  }, 30_000);
});

const noPostgres = postgresUnavailableReason();

describe.skipIf(noPostgres !== undefined)(`flash-sale end to end on PostgreSQL (SELECT ... FOR UPDATE)${noPostgres ? ` - skipped: ${noPostgres}` : ''}`, () => {
  let pg: RunningPostgres | undefined;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
  });

  it(`50 buyers against 5 in stock pass ${RUNS} runs out of ${RUNS}`, async () => {
    // Prepare
    target = await startTarget({ coupons: { postgres: (pg as RunningPostgres).connectionString } });

    // Act + Assess
    await passesEveryRun(target, 'postgres');
  }, 120_000);
});
