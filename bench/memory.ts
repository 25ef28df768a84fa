/**
 * Memory bench: N day-in-life lifecycles through the whole local pipeline (plan -> units -> HTTP ->
 * events.csv -> report), measuring the CLI's peak RSS.
 *
 *   node --import tsx bench/memory.ts [--orders 100000] [--batch-size 500] [--parallel 100]
 *     [--cli bin/loadfleet.ts | --cli dist/loadfleet.mjs] [--node-arg=--max-semi-space-size=1 ...]
 *     [--floor] [--no-trace-gc] [--keep]
 *
 * The demo target runs in its own child process on a free loopback port, so its memory is not counted;
 * the CLI runs as another child under `/usr/bin/time` (peak RSS in KB, CPU seconds): a `.ts` CLI through
 * tsx, anything else (the bundle `npm run build` writes) with plain node. Prints one JSON line,
 * `{ cli, orders, peakRssMb, durationS, completed, nonTerminal, failed, dropped, status, eventRows,
 * requests, cpuS, liveAfterGcMb, fullGcs, heapCommittedMb }` (plus `floorRssMb` with `--floor`, `outDir`
 * with `--keep`), and exits 1 unless every lifecycle completed to a terminal state.
 *
 * Where the peak comes from: the CLI runs with `--trace-gc` (it only prints), and the line carries the
 * largest heap left after a full (mark-compact) GC, `liveAfterGcMb`, i.e. what the run really holds,
 * against the most V8 had committed, `heapCommittedMb`. With `--floor`, a bare undici request loop
 * (`bench/lib/undici-floor.mjs`, plain node) then sends as many requests as the run did, at the same
 * concurrency, against the same target: `floorRssMb` is what Node and undici alone peak at.
 *
 * Peak RSS depends on V8's heap sizing as much as on loadfleet: without flags, Node sizes the young
 * generation (up to 2 x 64 MB on a machine with this much memory) and lets the old generation fill
 * with promoted garbage to a multiple of the live heap before collecting it. Compare with
 * `--node-arg=--max-semi-space-size=1` to see how much of a peak is that sizing.
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
  /** `tsx` for a `.ts` CLI, else `bundled`. */
  cli: 'tsx' | 'bundled';
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
  /** Requests the run sent (report.json `totals.requests`). */
  requests: number;
  /** CPU seconds of the CLI (user + system). */
  cpuS: number;
  /** Largest heap left after a full GC (MB), from `--trace-gc`; undefined with `--no-trace-gc` or when none ran. */
  liveAfterGcMb?: number | undefined;
  /** Full (mark-compact) GCs during the run. */
  fullGcs?: number | undefined;
  /** Most heap V8 had committed at any GC (MB). */
  heapCommittedMb?: number | undefined;
  /** Peak RSS of the bare undici loop sending `requests` requests (MB), with `--floor`. */
  floorRssMb?: number | undefined;
}

/** What `--trace-gc` lines say about a run's heap. */
export interface GcTrace {
  /** Largest heap left after a mark-compact (MB); undefined when none ran. */
  liveAfterGcMb: number | undefined;
  fullGcs: number;
  /** Most heap committed, before or after any GC (MB). */
  heapCommittedMb: number | undefined;
}

/**
 * Reads V8's `--trace-gc` lines (`Mark-Compact 79.3 (204.9) -> 18.7 (177.1) MB, ...`: used (committed)
 * before -> after). Other lines are ignored.
 */
export function parseGcTrace(text: string): GcTrace {
  let live: number | undefined;
  let committed: number | undefined;
  let fullGcs = 0;
  const line = /: (Scavenge|Minor Mark-Sweep|Mark-Compact)\b[^\d]*([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB/g;
  for (const m of text.matchAll(line)) {
    const [, kind, , before, after, afterCommitted] = m;
    committed = Math.max(committed ?? 0, Number(before), Number(afterCommitted));
    if (kind === 'Mark-Compact') {
      fullGcs++;
      live = Math.max(live ?? 0, Number(after));
    }
  }
  return { liveAfterGcMb: live, fullGcs, heapCommittedMb: committed };
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
  maxConnections: ${MAX_CONNECTIONS}
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

/** What `runTimed` measured. */
interface Timed { maxRssKb: number; cpuS: number; exitCode: number; durationS: number; stdout: string }

/** Runs `node NODE_ARGS ARGS` under `/usr/bin/time -f %M`; resolves with its peak RSS (KB), CPU, exit code, wall time and stdout. */
async function runTimed(nodeArgs: readonly string[], args: readonly string[]): Promise<Timed> {
  const startedAt = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'LOADFLEET_MAXRSS_KB=%M LOADFLEET_CPU_S=%U+%S', process.execPath, ...nodeArgs, ...args], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  const durationS = (performance.now() - startedAt) / 1000;
  const match = /LOADFLEET_MAXRSS_KB=(\d+) LOADFLEET_CPU_S=([\d.]+)\+([\d.]+)/.exec(stderr);
  if (!match?.[1]) throw new Error(`could not read the peak RSS from /usr/bin/time:\n${stderr}`);
  const rest = stderr.replace(/.*LOADFLEET_MAXRSS_KB=.*\n?/, '').trim();
  if (rest) process.stderr.write(`${rest}\n`);
  return { maxRssKb: Number(match[1]), cpuS: Number(match[2]) + Number(match[3]), exitCode: code ?? 1, durationS, stdout };
}

/** Runs the CLI (a `.ts` file through tsx, anything else with plain node) under `/usr/bin/time`. */
function runCli(cli: string, nodeFlags: readonly string[], args: readonly string[]): Promise<Timed> {
  return runTimed([...nodeFlags, ...(cli.endsWith('.ts') ? ['--import', 'tsx', cli] : [cli])], args);
}

/** Connections and requests in flight of the floor loop: the plan's `maxConnections` and `parallelBatches`. */
function floorArgs(url: string, requests: number, parallel: number): string[] {
  return [join(ROOT, 'bench/lib/undici-floor.mjs'), url, String(requests), String(MAX_CONNECTIONS), String(parallel)];
}

/** The plan's `api.maxConnections`. */
const MAX_CONNECTIONS = 64;

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
      floor: { type: 'boolean', default: false },
      'trace-gc': { type: 'boolean', default: true },
      keep: { type: 'boolean', default: false },
    },
    allowNegative: true,
  });
  const orders = Number(values.orders);
  const dir = await mkdtemp(join(tmpdir(), 'loadfleet-memory-'));
  const planFile = join(dir, 'plan.yaml');
  const outDir = join(dir, 'out');
  await writeFile(planFile, planYaml(orders, Number(values['batch-size']), Number(values.parallel)));
  const target = await startTargetProcess();
  try {
    const traceGc = values['trace-gc'] ? ['--trace-gc'] : [];
    const run = await runCli(values.cli, [...traceGc, ...values['node-arg']], ['run', planFile, '--quiet', '--out', outDir, '--base-url', target.url]);
    const text = await readFile(join(outDir, 'report.json'), 'utf8').catch(() => {
      throw new Error(`loadfleet run exited ${run.exitCode} without writing report.json (its stderr is above)`);
    });
    const report = JSON.parse(text) as {
      status: string;
      lifecycles: { completed: number; failed: number; dropped: number };
      nonTerminal: { count: number };
      totals: { requests: number };
    };
    const gc = values['trace-gc'] ? parseGcTrace(run.stdout) : undefined;
    const result: MemoryBenchResult = {
      cli: values.cli.endsWith('.ts') ? 'tsx' : 'bundled',
      orders,
      peakRssMb: Math.round(run.maxRssKb / 1024),
      durationS: Math.round(run.durationS * 10) / 10,
      completed: report.lifecycles.completed,
      nonTerminal: report.nonTerminal.count,
      failed: report.lifecycles.failed,
      dropped: report.lifecycles.dropped,
      status: report.status,
      eventRows: (await countLines(join(outDir, 'events.csv'))) - 1,
      requests: report.totals.requests,
      cpuS: Math.round(run.cpuS * 10) / 10,
      ...(gc ? { liveAfterGcMb: gc.liveAfterGcMb, fullGcs: gc.fullGcs, heapCommittedMb: gc.heapCommittedMb } : {}),
    };
    if (values.floor) {
      const floor = await runTimed([], floorArgs(target.url, report.totals.requests, Number(values.parallel)));
      if (floor.exitCode !== 0) throw new Error(`the undici floor loop exited ${floor.exitCode}`);
      result.floorRssMb = Math.round(floor.maxRssKb / 1024);
    }
    process.stdout.write(`${JSON.stringify(values.keep ? { ...result, outDir } : result)}\n`);
    if (run.exitCode !== 0 || result.completed !== orders || result.nonTerminal !== 0) process.exitCode = 1;
  } finally {
    target.child.kill('SIGTERM');
    await once(target.child, 'exit');
    if (!values.keep) await rm(dir, { recursive: true, force: true });
  }
}

// Run only as a script: the tests import `parseGcTrace`.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
