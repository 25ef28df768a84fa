/**
 * `npm run bench`: loadfleet against autocannon and a raw undici Pool on loopback, plus `--workers`
 * scale-out, lifecycle cost, memory, burst skew and the worker bundle, written to bench/RESULTS.md.
 *
 *   node --import tsx bench/run.ts [--quick] [--runs 3] [--out bench/RESULTS.md] [--json FILE]
 *                                  [--no-nginx] [--no-install] [--only closed-loop,burst,...]
 *   node --import tsx bench/run.ts --render results.json [--out bench/RESULTS.md]
 *
 * `--quick` is the smoke mode `npm test` runs: 1 s durations, one run, small counts, no apt-get.
 * `--render` rewrites RESULTS.md from a saved `--json` (same figures; goals and notes recomputed).
 * Every child (targets, generators) runs in its own process group and is killed at the end, on an
 * error, or on Ctrl+C.
 */
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LOADFLEET_VERSION } from '../lib/adapters/http/undici-client.ts';
import type { BenchContext } from './lib/context.ts';
import { checkGoals } from './lib/goals.ts';
import { ChildRegistry, killChildrenOnExit } from './lib/processes.ts';
import { failedSection, renderResults, SECTION_IDS, type BenchResults, type Section, type SectionId } from './lib/results.ts';
import { benchCpuS, describeMachine, detectPinning, machineBusyS } from './lib/system.ts';
import { findNginx, startDemoTarget, startNginx, type BenchTarget } from './lib/targets.ts';
import { runBundle } from './scenarios/bundle.ts';
import { runBurst } from './scenarios/burst.ts';
import { runClosedLoop } from './scenarios/closed-loop.ts';
import { runConstantRate } from './scenarios/constant-rate.ts';
import { runLifecycle } from './scenarios/lifecycle.ts';
import { runMemory } from './scenarios/memory.ts';
import { runWorkers } from './scenarios/workers.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

const TITLES: Record<SectionId, string> = {
  'closed-loop': 'Closed loop',
  'constant-rate': 'Constant rate',
  workers: 'Local scale-out: --workers',
  lifecycle: 'Lifecycle cost',
  memory: 'Memory',
  burst: 'Burst start skew',
  bundle: 'Worker bundle',
};

async function packageVersion(name: string): Promise<string> {
  const text = await readFile(join(ROOT, 'node_modules', name, 'package.json'), 'utf8').catch(() => '{}');
  return (JSON.parse(text) as { version?: string }).version ?? 'unknown';
}

/** Starts nginx when it can, else the demo target; says which and why. */
async function startHttpTarget(registry: ChildRegistry, pinning: BenchContext['pinning'], workDir: string, opts: { nginx: boolean; install: boolean }): Promise<{ target: BenchTarget; note: string; nginxVersion?: string }> {
  let why = 'nginx disabled with --no-nginx';
  if (opts.nginx) {
    const nginx = await findNginx(registry, opts.install, log);
    why = nginx.note;
    if (nginx.path) {
      try {
        return { target: await startNginx(registry, nginx.path, pinning, workDir), note: `${nginx.note}; \`return 200 "ok"\`, 1 worker, no access log`, nginxVersion: nginx.version };
      } catch (error) {
        why = `nginx failed to start: ${(error as Error).message.split('\n')[0]}`;
      }
    }
  }
  log(`no nginx (${why}): the generator sections run against the demo target`);
  const target = await startDemoTarget(registry, ROOT, pinning);
  return { target, note: `**fallback**: ${why}, so the generator sections ran against the demo target (\`GET /\`), slower than nginx` };
}

/**
 * How much CPU processes outside the bench used while it ran: the machine's busy time (/proc/stat)
 * minus the bench's own and its reaped children's. Empty off Linux.
 */
function otherWorkNote(busyAtStart: number | undefined, benchAtStart: number | undefined, wallS: number): string[] {
  const busy = machineBusyS();
  const bench = benchCpuS();
  if (busyAtStart === undefined || benchAtStart === undefined || busy === undefined || bench === undefined) return [];
  const otherS = busy - busyAtStart - (bench - benchAtStart);
  const share = (otherS / (wallS * availableParallelism())) * 100;
  return [`CPU used outside the bench while it ran: ${otherS.toFixed(1)} CPU-seconds, ${share.toFixed(1)}% of the machine over ${Math.round(wallS)} s (machine busy time from /proc/stat minus the bench's and its children's own user+sys; kernel threads count as outside; the two accountings differ by a percent or two, so near 0, either sign, means the bench had the machine to itself)`];
}

/** `--render FILE`: rewrites RESULTS.md from a saved `--json` without measuring anything (goals and their notes recomputed). */
async function rerender(jsonFile: string, outFile: string): Promise<void> {
  const saved = JSON.parse(await readFile(jsonFile, 'utf8')) as BenchResults;
  await writeFile(outFile, renderResults({ ...saved, goals: checkGoals(saved.sections) }));
  log(`wrote ${outFile} from ${jsonFile} (no new measurements)`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'string' },
      nginx: { type: 'boolean', default: true },
      install: { type: 'boolean', default: true },
      only: { type: 'string' },
      render: { type: 'string' },
    },
    allowNegative: true,
  });
  if (values.render) {
    await rerender(resolve(values.render), resolve(values.out ?? join(ROOT, 'bench', 'RESULTS.md')));
    return;
  }
  const quick = values.quick;
  const runs = Number(values.runs ?? (quick ? 1 : 3));
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  const only = new Set((values.only ?? SECTION_IDS.join(',')).split(',').map((s) => s.trim()));
  for (const id of only) if (!(SECTION_IDS as readonly string[]).includes(id)) throw new Error(`--only: unknown section ${id} (${SECTION_IDS.join(', ')})`);
  const outFile = resolve(values.out ?? join(ROOT, 'bench', 'RESULTS.md'));

  const startedAt = new Date();
  const loadAtStart = loadavg()[0] ?? 0;
  const busyAtStart = machineBusyS();
  const benchAtStart = benchCpuS();
  const registry = new ChildRegistry();
  const pinning = detectPinning();
  const workDir = await mkdtemp(join(tmpdir(), 'loadfleet-bench-'));
  killChildrenOnExit(registry, log, () => rmSync(workDir, { recursive: true, force: true }));
  let http: Awaited<ReturnType<typeof startHttpTarget>> | undefined;
  try {
    http = await startHttpTarget(registry, pinning, workDir, { nginx: values.nginx, install: values.install && !quick });
    const ctx: BenchContext = { root: ROOT, registry, pinning, quick, runs, target: http.target, workDir, log };
    log(`${quick ? 'quick' : 'full'} bench, ${runs} run(s); ${pinning.description}; target ${http.target.label} ${http.target.url}`);

    const sections: Section[] = [];
    const section = async (id: SectionId, run: () => Promise<Section>): Promise<void> => {
      if (!only.has(id)) return;
      try {
        sections.push(await run());
      } catch (error) {
        log(`${id} failed: ${(error as Error).message}`);
        sections.push(failedSection(id, TITLES[id], error));
      }
    };
    await section('closed-loop', () => runClosedLoop(ctx));
    await section('constant-rate', () => runConstantRate(ctx));
    await section('workers', () => runWorkers(ctx));
    const hitCpu = sections.find((s) => s.id === 'closed-loop')?.figures['loadfleet.cpuUsPerRequest'];
    await section('lifecycle', () => runLifecycle(ctx, hitCpu));
    await section('burst', () => runBurst(ctx));
    await section('bundle', () => runBundle(ctx));
    await section('memory', () => runMemory(ctx));
    sections.sort((a, b) => SECTION_IDS.indexOf(a.id) - SECTION_IDS.indexOf(b.id));
    // Every child reaped first, so its CPU is in this process's children's times.
    await http.target.stop();
    await registry.stopAll();
    const wallS = (Date.now() - startedAt.getTime()) / 1000;

    const results: BenchResults = {
      mode: quick ? 'quick' : 'full',
      runs,
      startedAt: startedAt.toISOString(),
      wallS,
      machine: describeMachine(),
      tools: {
        loadfleet: LOADFLEET_VERSION,
        autocannon: await packageVersion('autocannon'),
        undici: await packageVersion('undici'),
        esbuild: await packageVersion('esbuild'),
        tsx: await packageVersion('tsx'),
        ...(http.nginxVersion ? { nginx: http.nginxVersion } : {}),
      },
      pinning: pinning.description,
      target: { label: http.target.label, url: http.target.url, note: http.note },
      sections,
      goals: checkGoals(sections),
      notes: [
        'generators run their TypeScript through tsx (transpiled once at load; load-phase CPU excludes it)',
        `1-minute load average: ${loadAtStart.toFixed(2)} at the start, ${(loadavg()[0] ?? 0).toFixed(2)} at the end (the bench itself keeps about 1-2 busy; more means other work shared the CPU and rates and latencies suffer)`,
        ...otherWorkNote(busyAtStart, benchAtStart, wallS),
      ],
    };
    await mkdir(dirname(outFile), { recursive: true });
    await writeFile(outFile, renderResults(results));
    if (values.json) await writeFile(resolve(values.json), `${JSON.stringify(results, null, 2)}\n`);
    log(`wrote ${outFile}`);
    for (const g of results.goals) log(`goal ${g.name}: ${g.measured} (${g.target}) ${g.met === undefined ? 'n/a' : g.met ? 'met' : 'NOT met'}`);
    if (sections.some((s) => s.status === 'failed')) process.exitCode = 1;
  } finally {
    await http?.target.stop();
    await registry.stopAll();
    await rm(workDir, { recursive: true, force: true });
  }
}

await main();
