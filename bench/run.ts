/**
 * `npm run bench`: loadfleet against autocannon and a raw undici Pool on loopback, plus lifecycle cost,
 * memory, burst skew and the worker bundle, written to bench/RESULTS.md.
 *
 *   node --import tsx bench/run.ts [--quick] [--runs 3] [--out bench/RESULTS.md] [--json FILE]
 *                                  [--no-nginx] [--no-install] [--only closed-loop,burst,...]
 *
 * `--quick` is the smoke mode `npm test` runs: 1 s durations, one run, small counts, no apt-get.
 * Every child (targets, generators) runs in its own process group and is killed at the end, on an
 * error, or on Ctrl+C.
 */
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LOADFLEET_VERSION } from '../lib/adapters/http/undici-client.ts';
import type { BenchContext } from './lib/context.ts';
import { checkGoals } from './lib/goals.ts';
import { ChildRegistry, killChildrenOnExit } from './lib/processes.ts';
import { failedSection, renderResults, SECTION_IDS, type BenchResults, type Section, type SectionId } from './lib/results.ts';
import { describeMachine, detectPinning } from './lib/system.ts';
import { findNginx, startDemoTarget, startNginx, type BenchTarget } from './lib/targets.ts';
import { runBundle } from './scenarios/bundle.ts';
import { runBurst } from './scenarios/burst.ts';
import { runClosedLoop } from './scenarios/closed-loop.ts';
import { runConstantRate } from './scenarios/constant-rate.ts';
import { runLifecycle } from './scenarios/lifecycle.ts';
import { runMemory } from './scenarios/memory.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

const TITLES: Record<SectionId, string> = {
  'closed-loop': 'Closed loop',
  'constant-rate': 'Constant rate',
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
    },
    allowNegative: true,
  });
  const quick = values.quick;
  const runs = Number(values.runs ?? (quick ? 1 : 3));
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  const only = new Set((values.only ?? SECTION_IDS.join(',')).split(',').map((s) => s.trim()));
  for (const id of only) if (!(SECTION_IDS as readonly string[]).includes(id)) throw new Error(`--only: unknown section ${id} (${SECTION_IDS.join(', ')})`);
  const outFile = resolve(values.out ?? join(ROOT, 'bench', 'RESULTS.md'));

  const startedAt = new Date();
  const loadAtStart = loadavg()[0] ?? 0;
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
    const hitCpu = sections.find((s) => s.id === 'closed-loop')?.figures['loadfleet.cpuUsPerRequest'];
    await section('lifecycle', () => runLifecycle(ctx, hitCpu));
    await section('burst', () => runBurst(ctx));
    await section('bundle', () => runBundle(ctx));
    await section('memory', () => runMemory(ctx));
    sections.sort((a, b) => SECTION_IDS.indexOf(a.id) - SECTION_IDS.indexOf(b.id));

    const results: BenchResults = {
      mode: quick ? 'quick' : 'full',
      runs,
      startedAt: startedAt.toISOString(),
      wallS: (Date.now() - startedAt.getTime()) / 1000,
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
