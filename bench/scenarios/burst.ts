/**
 * Burst start skew: N lifecycles of one GET released at one instant (`burst` load model), and the spread
 * of their actual send times as the run reports it (`report.json` `starts.skewMs`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PlanInput } from '../../lib/core/plan/schema.ts';
import type { RunClientResult } from '../lib/client-protocol.ts';
import { runClient, type BenchContext } from '../lib/context.ts';
import type { Section } from '../lib/results.ts';
import { stat, type Stat } from '../lib/stats.ts';

/**
 * `limits.maxRps` of the burst plans: the run-wide token bucket holds a tenth of it, so the default
 * (10,000/s, 1,000 tokens) would let only 1,000 of a 5,000 burst go at the start and pace the rest
 * over 0.4 s; lifted so that all `count` requests can go at once.
 */
export function burstMaxRps(count: number): number {
  return Math.max(10_000, count * 10);
}

/** The raw-socket floor (plain node, no HTTP client). */
const FLOOR_SCRIPT = 'bench/lib/socket-burst-floor.mjs';

/** The line the floor script prints. */
interface SocketFloorResult { count: number; skewMs: number; responses: number }

/** A plan that releases `count` one-request lifecycles at once, one connection each. */
export function burstPlan(url: string, count: number): PlanInput {
  const target = new URL(url);
  return {
    kind: 'custom',
    name: `bench-burst-${count}`,
    target: { baseUrl: target.origin, timeout: '30s', maxConnections: count, circuitBreaker: false, retry: { max: 0, backoff: 1000, factor: 2, maxBackoff: 30_000, jitter: 0.5 } },
    requests: { hit: { method: 'GET', path: target.pathname, retry: false } },
    lifecycle: [{ request: 'hit' }],
    load: { model: 'burst', count, slices: 1, startDelay: 500 },
    limits: { maxConcurrency: count, maxRequests: count * 2, maxDuration: 120_000, maxRps: burstMaxRps(count) },
  };
}

/** Runs the burst-skew scenario. */
export async function runBurst(ctx: BenchContext): Promise<Section> {
  const counts = ctx.quick ? [50, 500] : [50, 500, 5000];
  const dir = join(ctx.workDir, 'burst');
  await mkdir(dir, { recursive: true });
  const figures: Record<string, Stat> = {};
  const rows = [];
  const notes: string[] = [];
  for (const count of counts) {
    const planFile = join(dir, `burst-${count}.json`);
    await writeFile(planFile, JSON.stringify(burstPlan(ctx.target.url, count)));
    const skew: number[] = [];
    const p99: number[] = [];
    const floor: number[] = [];
    for (let run = 1; run <= ctx.runs; run++) {
      ctx.log(`burst: ${count} at once, raw socket floor, run ${run}/${ctx.runs}`);
      const raw = await runClient<SocketFloorResult>(ctx, FLOOR_SCRIPT, [ctx.target.url, String(count)], 180_000);
      floor.push(raw.skewMs);
      if (raw.responses !== count) notes.push(`raw socket floor ${count}, run ${run}: ${raw.responses}/${count} 2xx answers`);
      ctx.log(`burst: ${count} at once, run ${run}/${ctx.runs}`);
      const out = join(dir, `out-${count}-${run}`);
      const result = await runClient<RunClientResult>(ctx, 'bench/clients/loadfleet-run.ts', ['--plan', planFile, '--out', out], 180_000);
      if (result.skewMs === undefined) throw new Error('the burst run reported no starts.skewMs');
      skew.push(result.skewMs);
      p99.push(result.p99Ms);
      if (result.lifecycles.completed !== count || result.errors > 0) notes.push(`${count}, run ${run}: ${result.lifecycles.completed}/${count} completed, ${result.errors} errors`);
    }
    const s = stat(skew);
    if (s) figures[`skewMs.${count}`] = s;
    const f = stat(floor);
    if (f) figures[`floorSkewMs.${count}`] = f;
    rows.push([count.toLocaleString('en-US'), s, f, stat(p99)]);
  }
  return {
    id: 'burst',
    title: 'Burst start skew',
    status: 'ok',
    method: [
      `\`kind: custom\`, \`load: { model: burst, count: N, slices: 1, startDelay: 500ms }\`, one GET per lifecycle against ${ctx.target.label}; target.maxConnections = limits.maxConcurrency = N (one socket per lifecycle: fewer sockets would queue requests behind each other, a skew the plan chose), limits.maxRps = max(10,000, 10 N) (its token bucket holds N tokens, so none waits for one)`,
      'during the start delay the HTTP client opens the N sockets (no request sent on them; undici compiles its HTTP parser on the first) and, once per process, runs its send path against an in-process loopback sink (the target sees none of it); 250 ms before the start (`BURST_STAGE_MS`) each request is staged: admitted, rendered and written by undici onto its open socket, corked, so its bytes wait in the socket; the release uncorks each socket',
      'skew = report.json `starts.skewMs`: last send minus first (a send = a staged request released, i.e. its socket uncorked and the bytes handed to the kernel), in one process (one slice) on the generator core',
      `raw socket floor = \`${FLOOR_SCRIPT}\` on the generator core: plain node, N \`net\` sockets opened first, one prebuilt GET Buffer written on each in one synchronous loop (after a warm-up write on a spare socket), skew = last write's start minus first: what handing N requests to the kernel costs one core with no HTTP client and no engine`,
    ],
    tables: [{ columns: ['concurrent', 'start skew ms', 'raw socket floor ms', 'p99 latency ms'], rows }],
    figures,
    notes,
  };
}
