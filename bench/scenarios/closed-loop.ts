/**
 * Closed loop, 50 connections: `loadfleet hit` vs autocannon vs a raw undici Pool, side by side.
 * Runs are interleaved (run 1 of every tool, then run 2, ...) so drift hits every tool alike.
 */
import type { ClientResult } from '../lib/client-protocol.ts';
import { runClient, type BenchContext } from '../lib/context.ts';
import type { Section } from '../lib/results.ts';
import { pairedRatio, stat, type Stat } from '../lib/stats.ts';

/** Closed-loop users (connections) of every tool. */
export const CONNECTIONS = 50;

/** The generators compared, with the client that drives each. */
export const CLOSED_LOOP_TOOLS = [
  { key: 'loadfleet', label: 'loadfleet hit', script: 'bench/clients/loadfleet-hit.ts' },
  { key: 'autocannon', label: 'autocannon', script: 'bench/clients/autocannon.ts' },
  { key: 'undici', label: 'undici Pool (floor)', script: 'bench/clients/undici-pool.ts' },
] as const;

/** Per-run samples of one tool. */
export interface ToolSamples {
  requests: number[];
  rps: number[];
  cpuUsPerRequest: number[];
  p50Ms: number[];
  p99Ms: number[];
  errors: number;
}

const emptySamples = (): ToolSamples => ({ requests: [], rps: [], cpuUsPerRequest: [], p50Ms: [], p99Ms: [], errors: 0 });

/** Adds one client result to a tool's samples; `durationS` is the rate's denominator. */
export function addSample(samples: ToolSamples, result: ClientResult, durationS: number): void {
  samples.requests.push(result.requests);
  samples.rps.push(result.requests / durationS);
  samples.cpuUsPerRequest.push(result.requests > 0 ? result.cpuUs / result.requests : Number.NaN);
  samples.p50Ms.push(result.p50Ms);
  samples.p99Ms.push(result.p99Ms);
  samples.errors += result.errors + result.non2xx;
}

/** Runs the closed-loop comparison. */
export async function runClosedLoop(ctx: BenchContext): Promise<Section> {
  const durationS = ctx.quick ? 1 : 10;
  const warmupS = ctx.quick ? 0 : 2;
  const samples = Object.fromEntries(CLOSED_LOOP_TOOLS.map((t) => [t.key, emptySamples()])) as Record<(typeof CLOSED_LOOP_TOOLS)[number]['key'], ToolSamples>;
  for (let run = 1; run <= ctx.runs; run++) {
    for (const tool of CLOSED_LOOP_TOOLS) {
      ctx.log(`closed loop: ${tool.label}, run ${run}/${ctx.runs}`);
      const args = ['--url', ctx.target.url, '--connections', String(CONNECTIONS), '--duration', String(durationS), '--warmup', String(warmupS)];
      const result = await runClient<ClientResult>(ctx, tool.script, args, (durationS + warmupS + 60) * 1000);
      // Closed loop: the rate is what the tool managed in the time it actually ran.
      addSample(samples[tool.key], result, result.elapsedS);
    }
  }
  const figures: Record<string, Stat> = {};
  const rows = CLOSED_LOOP_TOOLS.map((tool) => {
    const s = samples[tool.key];
    const row = { requests: stat(s.requests), rps: stat(s.rps), cpu: stat(s.cpuUsPerRequest), p50: stat(s.p50Ms), p99: stat(s.p99Ms) };
    if (row.cpu) figures[`${tool.key}.cpuUsPerRequest`] = row.cpu;
    if (row.rps) figures[`${tool.key}.rps`] = row.rps;
    return [tool.label, row.requests, row.rps, row.cpu, row.p50, row.p99, String(s.errors)];
  });
  const ratios = [
    ['CPU us/request', pairedRatio(samples.loadfleet.cpuUsPerRequest, samples.autocannon.cpuUsPerRequest), pairedRatio(samples.loadfleet.cpuUsPerRequest, samples.undici.cpuUsPerRequest)],
    ['RPS', pairedRatio(samples.loadfleet.rps, samples.autocannon.rps), pairedRatio(samples.loadfleet.rps, samples.undici.rps)],
    ['p99', pairedRatio(samples.loadfleet.p99Ms, samples.autocannon.p99Ms), pairedRatio(samples.loadfleet.p99Ms, samples.undici.p99Ms)],
  ] as const;
  const cpuRatio = ratios[0][1];
  if (cpuRatio) figures['ratio.cpuUsPerRequest'] = cpuRatio;
  return {
    id: 'closed-loop',
    title: `Closed loop: ${CONNECTIONS} connections, ${durationS} s`,
    status: 'ok',
    method: [
      `target: ${ctx.target.label} at ${ctx.target.url}; each generator is its own child process on the generator core`,
      `each run: ${warmupS > 0 ? `a ${warmupS} s warm-up in the same process (not counted), then ` : ''}${durationS} s measured; runs interleaved across tools`,
      'CPU us/request = the generator process\'s own user+sys (`process.cpuUsage()` around the measured call; module loading and warm-up excluded) / requests',
      'RPS = requests / wall time of the measured call; p50/p99 as each tool reports them (HDR histograms; autocannon records whole milliseconds, so its 0 means under 1 ms)',
      'loadfleet is driven through `hitCommand` (what `loadfleet hit URL -c 50 -d 10s` runs) in `bench/clients/loadfleet-hit.ts`',
    ],
    tables: [
      { columns: ['tool', 'requests', 'RPS', 'CPU us/request', 'p50 ms', 'p99 ms', 'errors + non-2xx (all runs)'], rows },
      { columns: ['ratio (per run, paired)', 'loadfleet / autocannon', 'loadfleet / undici Pool'], rows: ratios.map((r) => [...r]) },
    ],
    figures,
    notes: Object.entries(samples).filter(([, s]) => s.errors > 0).map(([key, s]) => `${key}: ${s.errors} errors or non-2xx answers`),
  };
}
