import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TargetStats } from '../target/index.ts';
import { EXIT } from './exit-codes.ts';
import { runCommand, type RunCommandOptions, type RunCommandResult } from './run-command.ts';

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples');

/**
 * `loadfleet demo [WORKLOAD]`: starts the bundled demo target on a free loopback port, runs
 * examples/WORKLOAD.yaml against it, and prints the target's ground truth beside the report.
 */
export async function demoCommand(workload: string, opts: RunCommandOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<RunCommandResult & { stats?: TargetStats }> {
  const file = join(EXAMPLES, `${workload}.yaml`);
  if (!existsSync(file)) {
    log(`error: no example plan for "${workload}" (looked for ${file})`);
    return { exitCode: EXIT.invalidInput };
  }
  // The target is loaded only here, so `run` and `validate` never load it.
  const { startTarget } = await import('../target/index.ts');
  const target = await startTarget({ host: '127.0.0.1', port: 0, acceptDelayMs: 50 });
  try {
    if (!opts.quiet) log(`demo target listening on ${target.url}`);
    const result = await runCommand(file, { ...opts, baseUrl: target.url }, log);
    const stats = target.stats();
    if (!opts.quiet && result.report) process.stdout.write(`target ground truth: ${groundTruth(workload, stats)}\n`);
    return { ...result, stats };
  } finally {
    await target.close();
  }
}

/** The target's own counters for a workload, in one line, to read beside the report. */
export function groundTruth(workload: string, stats: TargetStats): string {
  const section = WORKLOAD_STATS[workload] ?? 'orders';
  if (section === 'orders') {
    const o = stats.orders;
    return `orders ${o.total} (${Object.entries(o.byState).map(([s, n]) => `${s} ${n}`).join(', ')}), non-terminal ${o.nonTerminal}`;
  }
  const s = stats as unknown as Record<string, Record<string, unknown>>;
  const counts = (value: unknown): string =>
    Object.entries((value ?? {}) as Record<string, unknown>).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ');
  switch (section) {
    case 'webhooks': {
      const w = s.webhooks as { orders: { total: number; byStatus: unknown }; chargebacks: { total: number; byStatus: unknown; open: number }; invalidTransitions: number; duplicates: number };
      return `webhook orders ${w.orders.total} (${counts(w.orders.byStatus)}), chargebacks ${w.chargebacks.total} (${counts(w.chargebacks.byStatus)}, open ${w.chargebacks.open}), invalid transitions ${w.invalidTransitions}, duplicates ${w.duplicates}`;
    }
    case 'coupons': {
      const c = s.coupons as { store: string; claims: unknown };
      return `coupon claims (${c.store} store): ${counts(c.claims)}`;
    }
    default:
      return `${section}: ${counts(s[section])}`;
  }
}

/** Which /_stats section holds each example workload's ground truth. */
const WORKLOAD_STATS: Readonly<Record<string, string>> = {
  'day-in-life': 'orders',
  purchaser: 'purchases',
  webhooks: 'webhooks',
  'flash-sale': 'coupons',
  phased: 'shop',
};
