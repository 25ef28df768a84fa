/**
 * Lifecycle cost: day-in-life lifecycles (templated JSON bodies, captures, polls, cleanups) with every
 * interval at zero against the demo target, in CPU us per request, next to `hit`'s closed-loop figure.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MAX_RPS } from '../../lib/core/ceilings.ts';
import { compileDayInLife, DayInLifeSchema } from '../../lib/core/presets/day-in-life.ts';
import type { ClientResult, RunClientResult } from '../lib/client-protocol.ts';
import { runClient, type BenchContext } from '../lib/context.ts';
import type { Section } from '../lib/results.ts';
import { formatStat, stat, type Stat } from '../lib/stats.ts';
import { startDemoTarget } from '../lib/targets.ts';

/** Lifecycles run at once (parallel batches), like the closed loop's 50 connections. */
const PARALLEL = 50;

/**
 * A day-in-life plan with every wait at zero; polls and cleanups check every 1 ms at most. `prefix`
 * starts every order number: the warm-up run uses its own, so its orders never collide with the
 * measured run's on the same target.
 */
export function zeroIntervalPlan(orders: number, prefix = 'ORD-2024-'): string {
  return `kind: day-in-life
name: bench-lifecycle-${orders}
seed: 11
simulation:
  totalOrders: ${orders}
  batchSize: ${Math.ceil(orders / PARALLEL)}
  parallelBatches: ${PARALLEL}
  activatedCount: ${Math.floor(orders * 0.85)}
payload:
  location: US-EAST-1
  pocOrder: POC-2024-001
  orderNumberPrefix: ${prefix}
  customFields: { priority: normal, source: bench }
intervals:
  betweenCreates: 0ms
  afterCreateBeforeGet: 0ms
  betweenGetPolls: 0ms
  beforeActivate: 0ms
  beforeCancel: 0ms
  beforeEnd: 0ms
  jitter: 0
api:
  baseUrl: "http://127.0.0.1:1"
  timeout: 5s
  retryMax: 3
  retryBackoff: 10ms
  maxConnections: ${PARALLEL}
cleanup:
  cancelTimeout: 10s
  endTimeout: 10s
  checkInterval: 1ms
`;
}

/**
 * The same plan compiled to the general plan, with the preset's run-wide cap (`limits.maxRps` 10,000,
 * enforced by a token bucket) lifted: at zero intervals the preset runs into it, and the throttle's own
 * wake-ups would then be counted as lifecycle cost.
 */
export function uncappedPlan(orders: number, prefix?: string): string {
  const plan = compileDayInLife(DayInLifeSchema.parse(parseYaml(zeroIntervalPlan(orders, prefix))));
  return JSON.stringify({ ...plan, limits: { ...plan.limits, maxRps: UNCAPPED_RPS } });
}

/** `limits.maxRps` of the uncapped variant: the ceiling of a run, above anything one process sends. */
const UNCAPPED_RPS = MAX_RPS;

/** Creates one order on the demo target and returns its `GET /details` URL (a 200 with the order's JSON). */
async function detailsUrl(base: string): Promise<string> {
  const response = await fetch(`${base}/operation/payload`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ orderNumber: 'BENCH-BASELINE-1', location: 'US-EAST-1', customFields: { priority: 'normal' } }),
  });
  const { orderId } = (await response.json()) as { orderId?: string };
  if (!orderId) throw new Error(`could not create the baseline order (HTTP ${response.status})`);
  return `${base}/details?orderId=${encodeURIComponent(orderId)}`;
}

/** The two ways the lifecycle plan runs: the preset as shipped, and with its rps cap lifted. */
const VARIANTS = [
  { key: 'preset', label: 'day-in-life preset (limits.maxRps 10,000)', file: 'plan.yaml', text: zeroIntervalPlan },
  { key: 'uncapped', label: 'same plan, maxRps cap lifted', file: 'plan-uncapped.json', text: uncappedPlan },
] as const;

/** Order-number prefix of the warm-up run (the measured run's is the preset's `ORD-2024-`). */
const WARMUP_PREFIX = 'WARM-';

/** The warm-up plan file of a variant: same plan, a tenth of the orders, its own order numbers. */
const warmupFile = (file: string): string => `warmup-${file}`;

/** Per-run samples of one variant. */
interface VariantSamples { requests: number[]; rps: number[]; cpu: number[]; ratio: number[]; sameTarget: number[]; p50: number[]; p99: number[] }

/** Runs one lifecycle plan on its own fresh target (order numbers repeat across plans) and records it. */
async function runVariant(ctx: BenchContext, dir: string, file: string, out: string, orders: number, s: VariantSamples, baselineCpu: number, hitCpu: Stat | undefined): Promise<string | undefined> {
  const target = await startDemoTarget(ctx.registry, ctx.root, ctx.pinning);
  try {
    const args = ['--plan', join(dir, file), '--out', out, '--base-url', target.url, '--warmup-plan', join(dir, warmupFile(file)), '--warmup-out', `${out}-warmup`];
    const result = await runClient<RunClientResult>(ctx, 'bench/clients/loadfleet-run.ts', args, 300_000);
    const cpu = result.cpuUs / result.requests;
    s.requests.push(result.requests);
    s.rps.push(result.requests / result.elapsedS);
    s.cpu.push(cpu);
    if (hitCpu) s.ratio.push(cpu / hitCpu.median);
    s.sameTarget.push(cpu / baselineCpu);
    s.p50.push(result.p50Ms);
    s.p99.push(result.p99Ms);
    const ok = result.status === 'completed' && result.lifecycles.completed === orders && result.nonTerminal === 0;
    return ok ? undefined : `status ${result.status}, ${result.lifecycles.completed}/${orders} completed, ${result.nonTerminal} non-terminal, ${result.errors} errors`;
  } finally {
    await target.stop();
  }
}

/** Runs `hit` GET /details (one order: a 200 with its JSON) on a fresh demo target; returns CPU us/request and rps. */
async function runBaseline(ctx: BenchContext, durationS: number, warmupS: number): Promise<{ cpu: number; rps: number }> {
  const target = await startDemoTarget(ctx.registry, ctx.root, ctx.pinning);
  try {
    const args = ['--url', await detailsUrl(target.url), '--connections', String(PARALLEL), '--duration', String(durationS), '--warmup', String(warmupS)];
    const hit = await runClient<ClientResult>(ctx, 'bench/clients/loadfleet-hit.ts', args, (durationS + warmupS + 60) * 1000);
    return { cpu: hit.cpuUs / hit.requests, rps: hit.requests / hit.elapsedS };
  } finally {
    await target.stop();
  }
}

/** Runs the lifecycle-cost scenario; `hitCpu` is loadfleet hit's closed-loop CPU us/request. */
export async function runLifecycle(ctx: BenchContext, hitCpu: Stat | undefined): Promise<Section> {
  const orders = ctx.quick ? 100 : 20_000;
  const durationS = ctx.quick ? 1 : 10;
  const warmupS = ctx.quick ? 0 : 2;
  const dir = join(ctx.workDir, 'lifecycle');
  await mkdir(dir, { recursive: true });
  const warmupOrders = orders / 10;
  for (const v of VARIANTS) {
    await writeFile(join(dir, v.file), v.text(orders));
    await writeFile(join(dir, warmupFile(v.file)), v.text(warmupOrders, WARMUP_PREFIX));
  }
  const base = { cpu: [] as number[], rps: [] as number[] };
  const samples = Object.fromEntries(VARIANTS.map((v) => [v.key, { requests: [], rps: [], cpu: [], ratio: [], sameTarget: [], p50: [], p99: [] } as VariantSamples]));
  const notes: string[] = [];
  for (let run = 1; run <= ctx.runs; run++) {
    ctx.log(`lifecycle: hit baseline on the demo target, run ${run}/${ctx.runs}`);
    const baseline = await runBaseline(ctx, durationS, warmupS);
    base.cpu.push(baseline.cpu);
    base.rps.push(baseline.rps);
    for (const v of VARIANTS) {
      ctx.log(`lifecycle: ${orders} lifecycles, ${v.key}, run ${run}/${ctx.runs}`);
      const problem = await runVariant(ctx, dir, v.file, join(dir, `${v.key}-${run}`), orders, samples[v.key] as VariantSamples, baseline.cpu, hitCpu);
      if (problem) notes.push(`${v.key}, run ${run}: ${problem}`);
    }
  }
  const figures: Record<string, Stat> = {};
  const rows = VARIANTS.map((v) => {
    const s = samples[v.key] as VariantSamples;
    const row = { cpu: stat(s.cpu), ratio: stat(s.ratio), sameTarget: stat(s.sameTarget) };
    if (row.cpu) figures[`${v.key}.cpuUsPerRequest`] = row.cpu;
    if (row.ratio) figures[`${v.key}.ratio.hit`] = row.ratio;
    if (row.sameTarget) figures[`${v.key}.ratio.hitSameTarget`] = row.sameTarget;
    return [v.label, stat(s.requests), stat(s.rps), row.cpu, row.ratio, row.sameTarget, stat(s.p50), stat(s.p99)];
  });
  const baselineCpu = stat(base.cpu);
  if (baselineCpu) figures['baseline.cpuUsPerRequest'] = baselineCpu;
  return {
    id: 'lifecycle',
    title: `Lifecycle cost: ${orders.toLocaleString('en-US')} day-in-life lifecycles, zero intervals`,
    status: 'ok',
    method: [
      'target: the demo target (`--accept-delay 0`, a fresh one per plan run) on the target core; `loadfleet run` (via `runCommand`, report.json and events.csv written) on the generator core',
      `each lifecycle: POST create (templated JSON body) -> GET details polled until Accepted (capture) -> activate (85%) -> end, or cancel (${formatStat(stat((samples.preset as VariantSamples).requests.map((r) => r / orders)))} requests per lifecycle); ${PARALLEL} batches in parallel, ${PARALLEL} connections`,
      `each run: first a warm-up run of the same plan in the same process (${(orders / 10).toLocaleString('en-US')} lifecycles, their own order numbers, not counted), as the hit baselines warm up; then the measured run`,
      'CPU us/request = the run process\'s own user+sys around `runCommand` / report.json `totals.requests` (every attempt, polls and cleanups included)',
      `the preset caps a run at 10,000 requests/s (\`limits.maxRps\`, a token bucket); at zero intervals it runs into that cap, so the plan also runs compiled to \`kind: custom\` with the cap lifted (${UNCAPPED_RPS.toLocaleString('en-US')}); the goal uses that one`,
      `x hit, nginx = lifecycle CPU us/request / loadfleet hit's closed-loop CPU us/request against ${ctx.target.label} (median ${formatStat(hitCpu)})`,
      `x hit, same target (goal) = lifecycle CPU us/request / \`hit\` GET /details (one order: a 200 with its JSON) on a fresh demo target in the same run (${PARALLEL} connections, ${warmupS > 0 ? `${warmupS} s warm-up, ` : ''}${durationS} s): the goal's lifecycle requests run against the demo target, so the plain GET it is held to runs there too (the same answers to parse), which leaves the lifecycle machinery as the difference`,
    ],
    tables: [
      { columns: ['plan', 'requests', 'requests/s', 'CPU us/request', 'x hit, nginx', 'x hit, same target (goal)', 'p50 ms', 'p99 ms'], rows },
      { columns: ['baseline', 'requests/s', 'CPU us/request'], rows: [['loadfleet hit GET /details on the demo target', stat(base.rps), baselineCpu]] },
    ],
    figures,
    notes,
  };
}
