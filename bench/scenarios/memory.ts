/**
 * Memory: peak RSS of `loadfleet run` for 10, 1,000 and 100,000 day-in-life lifecycles, both as the
 * repository runs it (`bin/loadfleet.ts` through tsx) and as a published CLI would (the bundle
 * `npm run build` writes, on plain node); the goal is checked on the bundled one. The measuring is done
 * by `bench/memory.ts` (its own demo target, the CLI under `/usr/bin/time -f %M`, `--trace-gc` for the
 * heap left after each full GC); this scenario builds the bundle once, calls it and collects its lines.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCli, CLI_ENTRY } from '../../bin/build.ts';
import type { BenchContext } from '../lib/context.ts';
import type { Cell, Section } from '../lib/results.ts';
import { formatNumber, stat, type Stat } from '../lib/stats.ts';

/** The script this scenario calls (written and owned by the memory work). */
export const MEMORY_SCRIPT = 'bench/memory.ts';

/** The line `bench/memory.ts` prints (fields this scenario reads). */
interface MemoryLine {
  orders: number;
  peakRssMb: number;
  durationS: number;
  completed: number;
  nonTerminal: number;
  requests: number;
  liveAfterGcMb?: number;
  heapCommittedMb?: number;
  floorRssMb?: number;
}

/** The two ways the CLI runs. */
const CLIS = ['tsx', 'bundled'] as const;
type Cli = (typeof CLIS)[number];

/** Lifecycle counts measured: 10 shows the floor (the process itself), the others what grows with the run. */
export function memorySizes(quick: boolean): number[] {
  return quick ? [10, 1000] : [10, 1000, 100_000];
}

/** Runs the memory scenario. */
export async function runMemory(ctx: BenchContext): Promise<Section> {
  const title = 'Memory: peak RSS of `loadfleet run`';
  const script = join(ctx.root, MEMORY_SCRIPT);
  const exists = await access(script).then(() => true, () => false);
  if (!exists) {
    return { id: 'memory', title, status: 'pending', method: [`\`${MEMORY_SCRIPT}\` does not exist yet`], tables: [], figures: {}, notes: ['pending: the memory bench arrives with the memory work'] };
  }
  ctx.log('memory: building the bundled CLI (bin/build.ts, as `npm run build`)');
  const bundleDir = join(ctx.workDir, 'cli-bundle');
  await buildCli(bundleDir);
  const cliPath: Record<Cli, string> = { tsx: 'bin/loadfleet.ts', bundled: join(bundleDir, CLI_ENTRY) };

  const figures: Record<string, Stat> = {};
  const rows: Cell[][] = [];
  const notes: string[] = [
    'the goal (peak RSS under 100 MB at 100,000 lifecycles) is checked on the **bundled** CLI, what a published CLI would run; the tsx column is the repository run as is, with tsx compiling the TypeScript at start-up, for comparison',
  ];
  const put = (name: string, samples: readonly number[]): Stat | undefined => {
    const s = stat(samples);
    if (s) figures[name] = s;
    return s;
  };
  for (const orders of memorySizes(ctx.quick)) {
    const samples = { tsx: [] as MemoryLine[], bundled: [] as MemoryLine[] };
    for (let run = 1; run <= ctx.runs; run++) {
      // Interleaved, so a busy moment of the machine does not fall on one CLI only.
      for (const cli of CLIS) {
        ctx.log(`memory: ${orders} lifecycles, ${cli} CLI, run ${run}/${ctx.runs}`);
        const args = [process.execPath, '--import', 'tsx', MEMORY_SCRIPT, '--orders', String(orders), '--cli', cliPath[cli], ...(cli === 'bundled' ? ['--floor'] : [])];
        const result = await ctx.registry.run(args, { cwd: ctx.root, timeoutMs: 900_000 });
        const line = result.stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
        if (!line) throw new Error(`${MEMORY_SCRIPT} --orders ${orders} --cli ${cli} printed no result (exit ${result.code ?? result.signal}): ${result.stderr.trim().split('\n').slice(-3).join(' / ')}`);
        const m = JSON.parse(line) as MemoryLine;
        samples[cli].push(m);
        if (m.completed !== orders || m.nonTerminal !== 0 || result.code !== 0) {
          notes.push(`${orders} lifecycles, ${cli} CLI, run ${run}: ${m.completed} completed, ${m.nonTerminal} non-terminal, exit ${result.code}`);
        }
      }
    }
    const of = (cli: Cli, pick: (m: MemoryLine) => number | undefined): number[] => samples[cli].flatMap((m) => (pick(m) === undefined ? [] : [pick(m) as number]));
    const tsxPeak = put(`tsx.peakRssMb.${orders}`, of('tsx', (m) => m.peakRssMb));
    const peak = put(`bundled.peakRssMb.${orders}`, of('bundled', (m) => m.peakRssMb));
    const live = put(`bundled.liveAfterGcMb.${orders}`, of('bundled', (m) => m.liveAfterGcMb));
    put(`tsx.liveAfterGcMb.${orders}`, of('tsx', (m) => m.liveAfterGcMb));
    const committed = put(`bundled.heapCommittedMb.${orders}`, of('bundled', (m) => m.heapCommittedMb));
    const floor = put(`floor.peakRssMb.${orders}`, of('bundled', (m) => m.floorRssMb));
    const requests = stat(of('bundled', (m) => m.requests));
    rows.push([orders.toLocaleString('en-US'), requests ? formatNumber(requests.median) : undefined, tsxPeak, peak, live, committed, floor, stat(of('tsx', (m) => m.durationS)), stat(of('bundled', (m) => m.durationS))]);
  }
  return {
    id: 'memory',
    title,
    status: 'ok',
    method: [
      `\`node --import tsx ${MEMORY_SCRIPT} --orders N --cli CLI\`: day-in-life lifecycles through the whole local pipeline (plan -> units -> HTTP -> events.csv -> report), 100 batches of 500 in parallel, 64 connections`,
      'two CLIs, interleaved: **tsx** = `node --import tsx bin/loadfleet.ts run` (the repository as it is, TypeScript compiled at start-up); **bundled** = `node loadfleet.mjs run`, built by `bin/build.ts` (what `npm run build` runs: esbuild, ESM, node24, dependencies bundled, chunks loaded on demand) into a scratch folder. The goal is checked on the bundled CLI: it is what a published CLI would run',
      'peak RSS of the CLI process only (`/usr/bin/time -f %M`); its demo target is another process, not counted; not pinned (the script starts its own target)',
      'live heap = the largest heap left after a full (mark-compact) GC, committed = the most heap V8 had taken at any GC, both from `--trace-gc` (which only prints); live staying flat while peak RSS grows means the growth is heap sizing and garbage not yet collected, not state the run holds',
      'bare undici loop = `node bench/lib/undici-floor.mjs` (plain node, undici `Pool.request`, body dumped, nothing else) sending as many requests as the bundled run did (report.json `totals.requests`), 100 in flight on 64 connections, against the same target: what Node and undici alone peak at for that traffic',
    ],
    tables: [{ columns: ['lifecycles', 'requests', 'tsx peak RSS MB', 'bundled peak RSS MB', 'bundled live heap MB', 'bundled heap committed MB', 'bare undici loop peak RSS MB', 'tsx wall s', 'bundled wall s'], rows }],
    figures,
    notes,
  };
}
