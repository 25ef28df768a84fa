/**
 * Memory bench: N day-in-life lifecycles through the whole local pipeline (plan -> units -> HTTP ->
 * events.csv -> report), measuring the CLI's peak RSS.
 *
 *   node --import tsx bench/memory.ts [--orders 100000] [--batch-size 500] [--parallel 100]
 *     [--cli bin/loadfleet.ts | --cli /tmp/lf.mjs] [--node-arg=--max-old-space-size=64 ...] [--keep]
 *
 * The demo target runs in its own child process on a free loopback port, so its memory is not counted;
 * the CLI runs as another child under `/usr/bin/time` (peak RSS in KB, CPU seconds). Prints one JSON
 * line, `{ orders, peakRssMb, durationS, completed, nonTerminal, failed, dropped, status, eventRows, cpuS }`
 * (plus `outDir` with `--keep`), and exits 1 unless every lifecycle completed to a terminal state.
 *
 * Peak RSS depends on V8's heap sizing as much as on loadfleet: without flags, Node sizes the young
 * generation and the old generation's growth from the machine's memory. Compare with
 * `--node-arg=--max-semi-space-size=8 --node-arg=--max-old-space-size=1024` to see loadfleet's own share.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { waitForListening } from './lib/targets.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** One bench result, as printed. */
export interface MemoryBenchResult {
  orders: number;
  peakRssMb: number;
  durationS: number;
  completed: number;
  nonTerminal: number;
  failed: number;
  dropped: number;
  status: string;
  /** Data rows of events.csv (header excluded). */
  eventRows: number;
  /** CPU seconds of the CLI (user + system). */
  cpuS: number;
}

/** The throwaway plan: every interval 0ms except polls and cleanups, no jitter, short retry backoff. */
function planYaml(orders: number, batchSize: number, parallel: number): string {
  return `kind: day-in-life
name: memory-bench-${orders}
seed: 7
simulation:
  totalOrders: ${orders}
  batchSize: ${batchSize}
  parallelBatches: ${parallel}
  activatedCount: ${Math.floor(orders * 0.85)}
intervals:
  betweenCreates: 0ms
  afterCreateBeforeGet: 0ms
  betweenGetPolls: 5ms
  beforeActivate: 0ms
  beforeCancel: 10ms
  beforeEnd: 10ms
  jitter: 0
api:
  baseUrl: "http://127.0.0.1:1"
  timeout: 5s
  retryMax: 3
  retryBackoff: 50ms
  maxConnections: 64
cleanup:
  cancelTimeout: 30s
  endTimeout: 30s
  checkInterval: 20ms
`;
}

/** Starts the demo target on a free loopback port; resolves with its URL once it listens. */
async function startTargetProcess(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/loadfleet.ts', 'target', '--port', '0', '--accept-delay', '0'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await waitForListening(child);
  return { url, child };
}

/** Runs the CLI under `/usr/bin/time -f %M`; resolves with its peak RSS (KB), exit code and wall time. */
async function runCli(cli: string, nodeFlags: readonly string[], args: readonly string[]): Promise<{ maxRssKb: number; cpuS: number; exitCode: number; durationS: number }> {
  const nodeArgs = [...nodeFlags, ...(cli.endsWith('.ts') ? ['--import', 'tsx', cli] : [cli])];
  const startedAt = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'LOADFLEET_MAXRSS_KB=%M LOADFLEET_CPU_S=%U+%S', process.execPath, ...nodeArgs, ...args], {
    cwd: ROOT, stdio: ['ignore', 'inherit', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  const durationS = (performance.now() - startedAt) / 1000;
  const match = /LOADFLEET_MAXRSS_KB=(\d+) LOADFLEET_CPU_S=([\d.]+)\+([\d.]+)/.exec(stderr);
  if (!match?.[1]) throw new Error(`could not read the peak RSS from /usr/bin/time:\n${stderr}`);
  const rest = stderr.replace(/.*LOADFLEET_MAXRSS_KB=.*\n?/, '').trim();
  if (rest) process.stderr.write(`${rest}\n`);
  return { maxRssKb: Number(match[1]), cpuS: Number(match[2]) + Number(match[3]), exitCode: code ?? 1, durationS };
}

/** Counts the lines of a file without reading it into memory. */
async function countLines(path: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(path)) {
    for (const byte of chunk as Buffer) if (byte === 10) lines++;
  }
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '100000' },
      'batch-size': { type: 'string', default: '500' },
      parallel: { type: 'string', default: '100' },
      cli: { type: 'string', default: 'bin/loadfleet.ts' },
      'node-arg': { type: 'string', multiple: true, default: [] },
      keep: { type: 'boolean', default: false },
    },
  });
  const orders = Number(values.orders);
  const dir = await mkdtemp(join(tmpdir(), 'loadfleet-memory-'));
  const planFile = join(dir, 'plan.yaml');
  const outDir = join(dir, 'out');
  await writeFile(planFile, planYaml(orders, Number(values['batch-size']), Number(values.parallel)));
  const target = await startTargetProcess();
  try {
    const run = await runCli(values.cli, values['node-arg'], ['run', planFile, '--quiet', '--out', outDir, '--base-url', target.url]);
    const text = await readFile(join(outDir, 'report.json'), 'utf8').catch(() => {
      throw new Error(`loadfleet run exited ${run.exitCode} without writing report.json (its stderr is above)`);
    });
    const report = JSON.parse(text) as {
      status: string;
      lifecycles: { completed: number; failed: number; dropped: number };
      nonTerminal: { count: number };
    };
    const result: MemoryBenchResult = {
      orders,
      peakRssMb: Math.round(run.maxRssKb / 1024),
      durationS: Math.round(run.durationS * 10) / 10,
      completed: report.lifecycles.completed,
      nonTerminal: report.nonTerminal.count,
      failed: report.lifecycles.failed,
      dropped: report.lifecycles.dropped,
      status: report.status,
      eventRows: (await countLines(join(outDir, 'events.csv'))) - 1,
      cpuS: Math.round(run.cpuS * 10) / 10,
    };
    process.stdout.write(`${JSON.stringify(values.keep ? { ...result, outDir } : result)}\n`);
    if (run.exitCode !== 0 || result.completed !== orders || result.nonTerminal !== 0) process.exitCode = 1;
  } finally {
    target.child.kill('SIGTERM');
    await once(target.child, 'exit');
    if (!values.keep) await rm(dir, { recursive: true, force: true });
  }
}

await main();
