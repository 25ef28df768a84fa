/**
 * Constant rate, 5,000 requests/s: `loadfleet hit -R 5000` vs autocannon `-R` (its `overallRate`) vs a
 * bare undici Pool paced on the same uniform schedule (the floor). Achieved rate is requests over the
 * *nominal* duration: 10 s at 5,000/s should be 50,000 requests, whatever the tool does around the edges.
 */
import type { ClientResult } from '../lib/client-protocol.ts';
import { runClient, type BenchContext } from '../lib/context.ts';
import type { Section } from '../lib/results.ts';
import { pairedRatio, stat, type Stat } from '../lib/stats.ts';
import { CONNECTIONS, addSample, type ToolSamples } from './closed-loop.ts';

const TOOLS = [
  { key: 'loadfleet', label: 'loadfleet hit -R', script: 'bench/clients/loadfleet-hit.ts' },
  { key: 'autocannon', label: 'autocannon -R', script: 'bench/clients/autocannon.ts' },
  { key: 'undici', label: 'undici Pool, uniform (floor)', script: 'bench/clients/undici-pool.ts' },
] as const;

/** Per-run samples of one tool at a constant rate. */
interface RateSamples extends ToolSamples {
  errorPct: number[];
  /** Requests over the tool's own wall time (start-up and drain included). */
  wallRate: number[];
  dropped: number[];
}

/** Runs the constant-rate comparison. */
export async function runConstantRate(ctx: BenchContext): Promise<Section> {
  const rate = ctx.quick ? 1000 : 5000;
  const durationS = ctx.quick ? 1 : 10;
  const warmupS = ctx.quick ? 0 : 2;
  const samples: Record<string, RateSamples> = {};
  for (const tool of TOOLS) samples[tool.key] = { requests: [], rps: [], cpuUsPerRequest: [], p50Ms: [], p99Ms: [], errors: 0, errorPct: [], wallRate: [], dropped: [] };
  for (let run = 1; run <= ctx.runs; run++) {
    for (const tool of TOOLS) {
      ctx.log(`constant rate: ${tool.label} ${rate}/s, run ${run}/${ctx.runs}`);
      const args = ['--url', ctx.target.url, '--connections', String(CONNECTIONS), '--duration', String(durationS), '--rate', String(rate), '--warmup', String(warmupS)];
      const result = await runClient<ClientResult>(ctx, tool.script, args, (durationS + warmupS + 60) * 1000);
      const s = samples[tool.key] as RateSamples;
      addSample(s, result, durationS);
      s.errorPct.push(((result.requests / durationS - rate) / rate) * 100);
      s.wallRate.push(result.requests / result.elapsedS);
      s.dropped.push(result.dropped ?? 0);
    }
  }
  const figures: Record<string, Stat> = {};
  const rows = TOOLS.map((tool) => {
    const s = samples[tool.key] as RateSamples;
    const achieved = stat(s.rps);
    const error = stat(s.errorPct.map(Math.abs));
    const cpu = stat(s.cpuUsPerRequest);
    if (error) figures[`${tool.key}.absErrorPct`] = error;
    if (cpu) figures[`${tool.key}.cpuUsPerRequest`] = cpu;
    const dropped = stat(s.dropped);
    if (dropped && tool.key === 'loadfleet') figures[`${tool.key}.droppedStarts`] = dropped;
    return [tool.label, stat(s.requests), achieved, stat(s.errorPct), stat(s.wallRate), tool.key === 'autocannon' ? 'n/a' : dropped, cpu, stat(s.p50Ms), stat(s.p99Ms), String(s.errors)];
  });
  const lf = samples.loadfleet as ToolSamples;
  const ac = samples.autocannon as ToolSamples;
  const cpuRatio = pairedRatio(lf.cpuUsPerRequest, ac.cpuUsPerRequest);
  if (cpuRatio) figures['ratio.cpuUsPerRequest'] = cpuRatio;
  const floorRatio = pairedRatio(lf.cpuUsPerRequest, (samples.undici as ToolSamples).cpuUsPerRequest);
  if (floorRatio) figures['ratio.floor.cpuUsPerRequest'] = floorRatio;
  return {
    id: 'constant-rate',
    title: `Constant rate: ${rate.toLocaleString('en-US')}/s for ${durationS} s`,
    status: 'ok',
    method: [
      `target: ${ctx.target.label}; ${CONNECTIONS} connections (loadfleet and the floor: at most ${CONNECTIONS} in flight, open model; autocannon: \`overallRate\` over ${CONNECTIONS} connections)`,
      'pacing: loadfleet and the floor start request k at `k / rate` (uniform, 0.2 ms apart at 5,000/s; a wake-up sends every start due); autocannon\'s `overallRate` is a per-second quota per connection (autocannon/lib/httpClient.js `reqsMadeThisSecond`): each connection sends back to back, as in the closed loop, until it has made its share for the second, then waits for the next 1 s tick, so its requests come in one bunch at the start of each second and cost about what they cost in the closed loop',
      'undici Pool, uniform (floor) = `bench/clients/undici-pool.ts --rate`: a bare undici Pool, a 1 ms interval timer sending each start that fell due, nothing else: what sending on that uniform schedule costs Node and undici alone',
      `achieved rate = requests / ${durationS} s (the nominal duration: ${(rate * durationS).toLocaleString('en-US')} requests expected); error = (achieved - ${rate}) / ${rate}; also requests over the wall time of the tool's call`,
      `dropped starts: loadfleet's open model and the floor skip (and count) a start when ${CONNECTIONS} requests are already in flight; autocannon has no such count (it waits for a free connection)`,
      `CPU us/request as in the closed loop (own user+sys around the measured call${warmupS > 0 ? `, after a ${warmupS} s warm-up at the same rate` : ''})`,
      'latency: loadfleet times from the intended start (no coordinated omission); autocannon corrects for it by default',
    ],
    tables: [
      { columns: ['tool', 'requests', 'achieved /s', 'error %', 'requests / own wall time', 'dropped starts', 'CPU us/request', 'p50 ms', 'p99 ms', 'errors + non-2xx'], rows },
      { columns: ['ratio (per run, paired)', 'loadfleet / autocannon', 'loadfleet / undici floor'], rows: [['CPU us/request', cpuRatio, floorRatio]] },
    ],
    figures,
    notes: [],
  };
}
