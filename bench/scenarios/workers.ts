/**
 * Local scale-out: `loadfleet hit` closed loop against the demo target with `--workers 1` and
 * `--workers 2` (units on worker threads, the connections split among them), requests/s side by side.
 * On a 2-core machine the target needs a core too, so the generator is not pinned: with 2 workers it
 * can only gain what the target leaves free, and the target's own CPU is read from /proc to show it.
 */
import { availableParallelism } from 'node:os';
import type { ClientResult } from '../lib/client-protocol.ts';
import { runClient, type BenchContext } from '../lib/context.ts';
import type { Section } from '../lib/results.ts';
import { formatNumber, pairedRatio, stat, type Stat } from '../lib/stats.ts';
import { CpuSampler } from '../lib/system.ts';
import { startDemoTarget } from '../lib/targets.ts';
import { CONNECTIONS } from './closed-loop.ts';

/** The `--workers` values compared. */
export const WORKER_COUNTS = [1, 2] as const;

/** Per-run samples of one `--workers` value. */
interface WorkerSamples { rps: number[]; cpu: number[]; generatorCores: number[]; targetCores: number[]; startupS: number[]; p99: number[]; errors: number }

/** Runs the `--workers` comparison. */
export async function runWorkers(ctx: BenchContext): Promise<Section> {
  const durationS = ctx.quick ? 1 : 5;
  // Target on the target core (core 0 when pinned); the generator free to use both cores.
  const target = await startDemoTarget(ctx.registry, ctx.root, ctx.pinning);
  const sampler = target.pid !== undefined ? new CpuSampler(target.pid) : undefined;
  const samples = new Map<number, WorkerSamples>(WORKER_COUNTS.map((w) => [w, { rps: [], cpu: [], generatorCores: [], targetCores: [], startupS: [], p99: [], errors: 0 }]));
  // Load phases, read against the target's CPU samples once the last one is in.
  const windows: { workers: number; fromMs: number; toMs: number }[] = [];
  try {
    for (let run = 1; run <= ctx.runs; run++) {
      for (const workers of WORKER_COUNTS) {
        ctx.log(`workers: loadfleet hit --workers ${workers} against the demo target, run ${run}/${ctx.runs}`);
        const args = ['--url', target.url, '--connections', String(CONNECTIONS), '--duration', String(durationS), '--workers', String(workers)];
        const result = await runClient<ClientResult>(ctx, 'bench/clients/loadfleet-hit.ts', args, (durationS + 60) * 1000, []);
        const s = samples.get(workers) as WorkerSamples;
        const loadS = result.loadS ?? result.elapsedS;
        s.rps.push(result.requests / loadS);
        s.cpu.push(result.requests > 0 ? result.cpuUs / result.requests : Number.NaN);
        s.generatorCores.push(result.cpuUs / 1e6 / result.elapsedS);
        if (result.loadFromMs !== undefined && result.loadToMs !== undefined) windows.push({ workers, fromMs: result.loadFromMs, toMs: result.loadToMs });
        s.startupS.push(result.elapsedS - loadS);
        s.p99.push(result.p99Ms);
        s.errors += result.errors + result.non2xx;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    sampler?.stop();
    await target.stop();
  }
  for (const w of windows) {
    const cores = sampler?.coresBetween(w.fromMs, w.toMs);
    if (cores !== undefined) samples.get(w.workers)?.targetCores.push(cores);
  }
  const figures: Record<string, Stat> = {};
  const rows = WORKER_COUNTS.map((workers) => {
    const s = samples.get(workers) as WorkerSamples;
    const rps = stat(s.rps);
    const cpu = stat(s.cpu);
    if (rps) figures[`rps.${workers}`] = rps;
    const generatorCores = stat(s.generatorCores);
    const targetCores = stat(s.targetCores);
    if (cpu) figures[`cpuUsPerRequest.${workers}`] = cpu;
    if (generatorCores) figures[`generatorCores.${workers}`] = generatorCores;
    if (targetCores) figures[`targetCores.${workers}`] = targetCores;
    return [`--workers ${workers}`, rps, cpu, generatorCores, targetCores, stat(s.startupS), stat(s.p99), String(s.errors)];
  });
  const one = samples.get(1) as WorkerSamples;
  const two = samples.get(2) as WorkerSamples;
  const rpsRatio = pairedRatio(two.rps, one.rps);
  const cpuRatio = pairedRatio(two.cpu, one.cpu);
  if (rpsRatio) figures['ratio.rps'] = rpsRatio;
  return {
    id: 'workers',
    title: 'Local scale-out: --workers',
    status: 'ok',
    method: [
      `\`loadfleet hit URL -c ${CONNECTIONS} -d ${durationS}s --workers N\` (through \`hitCommand\`), closed loop, against the demo target (\`GET /\`, a fresh one for this section); N = 1 runs on the main thread, N = 2 on two worker threads with ${CONNECTIONS / 2} connections each`,
      `pinning: ${ctx.pinning.target.length > 0 ? 'the demo target on core 0 (taskset), the generator **not pinned** (free to use both cores, so with 2 workers it shares core 0 with the target)' : `${ctx.pinning.description}`}; ${ctx.runs} run${ctx.runs === 1 ? '' : 's'} of each, interleaved; no warm-up (a warm-up cannot warm the threads a later call starts), so both are cold, as a CLI run is`,
      'requests/s = requests / the load phase (report.json startedAt to endedAt); start-up s = wall time of the call minus that load phase (starting the threads: each loads loadfleet through tsx)',
      'CPU us/request = the generator process\'s user+sys (every thread) over the whole call / requests, start-up included; generator cores = that CPU / wall time of the call; target cores = the demo target\'s user+sys from /proc over the load phase',
    ],
    tables: [
      { columns: ['workers', 'requests/s', 'CPU us/request', 'generator cores', 'target cores', 'start-up s', 'p99 ms', 'errors + non-2xx'], rows },
      { columns: ['ratio (per run, paired)', '2 workers / 1 worker'], rows: [['requests/s', rpsRatio], ['CPU us/request', cpuRatio]] },
    ],
    figures,
    notes: coresNote(figures),
  };
}

/** Where the CPU went with 1 and with 2 workers (medians): generator and target cores side by side. */
function coresNote(figures: Readonly<Record<string, Stat>>): string[] {
  const names = ['generatorCores.1', 'targetCores.1', 'generatorCores.2', 'targetCores.2', 'ratio.rps'];
  const values = names.map((name) => figures[name]?.median);
  if (values.some((v) => v === undefined)) return [];
  const [g1, t1, g2, t2, ratio] = values as [number, number, number, number, number];
  const f = formatNumber;
  return [`with 1 worker the generator used ${f(g1)} cores and the demo target ${f(t1)} (together ${f(g1 + t1)} of ${availableParallelism()}); with 2 workers ${f(g2)} and ${f(t2)} (together ${f(g2 + t2)}): 2 workers gave ${f(ratio)}x the requests/s of 1 on this machine`];
}
