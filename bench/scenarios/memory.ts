/**
 * Memory: peak RSS of the CLI for 1,000 and 100,000 day-in-life lifecycles. The measuring is done by
 * `bench/memory.ts` (its own demo target, the CLI under `/usr/bin/time -f %M`); this scenario only calls
 * it and collects its JSON line. Reported as `pending` while that script does not exist.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchContext } from '../lib/context.ts';
import type { Section } from '../lib/results.ts';
import { stat, type Stat } from '../lib/stats.ts';

/** The script this scenario calls (written and owned by the memory work). */
export const MEMORY_SCRIPT = 'bench/memory.ts';

/** The line `bench/memory.ts` prints (fields this scenario reads). */
interface MemoryLine { orders: number; peakRssMb: number; durationS: number; completed: number; nonTerminal: number }

/** Runs the memory scenario. */
export async function runMemory(ctx: BenchContext): Promise<Section> {
  const title = 'Memory: peak RSS of `loadfleet run`';
  const script = join(ctx.root, MEMORY_SCRIPT);
  const exists = await access(script).then(() => true, () => false);
  if (!exists) {
    return { id: 'memory', title, status: 'pending', method: [`\`${MEMORY_SCRIPT}\` does not exist yet`], tables: [], figures: {}, notes: ['pending: the memory bench arrives with the memory work'] };
  }
  const sizes = ctx.quick ? [100, 1000] : [1000, 100_000];
  const figures: Record<string, Stat> = {};
  const rows = [];
  const notes: string[] = [];
  for (const orders of sizes) {
    const rss: number[] = [];
    const duration: number[] = [];
    for (let run = 1; run <= ctx.runs; run++) {
      ctx.log(`memory: ${orders} lifecycles, run ${run}/${ctx.runs}`);
      const result = await ctx.registry.run([process.execPath, '--import', 'tsx', MEMORY_SCRIPT, '--orders', String(orders)], { cwd: ctx.root, timeoutMs: 900_000 });
      const line = result.stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
      if (!line) throw new Error(`${MEMORY_SCRIPT} --orders ${orders} printed no result (exit ${result.code ?? result.signal}): ${result.stderr.trim().split('\n').slice(-3).join(' / ')}`);
      const m = JSON.parse(line) as MemoryLine;
      rss.push(m.peakRssMb);
      duration.push(m.durationS);
      if (m.completed !== orders || m.nonTerminal !== 0 || result.code !== 0) {
        notes.push(`${orders} lifecycles, run ${run}: ${m.completed} completed, ${m.nonTerminal} non-terminal, exit ${result.code}`);
      }
    }
    const peak = stat(rss);
    if (peak) figures[`peakRssMb.${orders}`] = peak;
    rows.push([orders.toLocaleString('en-US'), peak, stat(duration)]);
  }
  return {
    id: 'memory',
    title,
    status: 'ok',
    method: [
      `\`node --import tsx ${MEMORY_SCRIPT} --orders N\`: day-in-life lifecycles through the whole local pipeline (plan -> units -> HTTP -> events.csv -> report)`,
      'peak RSS of the CLI process only (`/usr/bin/time -f %M`); its demo target is another process, not counted; not pinned (the script starts its own target)',
    ],
    tables: [{ columns: ['lifecycles', 'peak RSS MB', 'wall s'], rows }],
    figures,
    notes,
  };
}
