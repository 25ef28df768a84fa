/**
 * The contract between the bench and its load-generator children (`bench/clients/*.ts`): the arguments
 * every client takes, and the one JSON line every client prints on stdout when it is done.
 *
 * CPU is read by the client itself with `process.cpuUsage()` around the measured load call only, so
 * module loading (tsx transpiling TypeScript, autocannon's own start-up) and the warm-up run are not
 * counted. `cpuUsage()` covers every thread of the process (main, GC, libuv), user plus system.
 */
import { parseArgs } from 'node:util';

/** `ClientArgs` are the knobs every client child understands. */
export interface ClientArgs {
  readonly url: string;
  readonly connections: number;
  readonly durationS: number;
  /** Constant rate (requests per second, open model); absent = closed loop. */
  readonly rate?: number;
  /** A run of this length first, in the same process, not counted (lets the JIT settle). */
  readonly warmupS: number;
  /** loadfleet only: worker threads (`--workers N`); absent = the default (one, the main thread). */
  readonly workers?: number;
}

/** `ClientResult` is the JSON line a client prints: counts, latency and its own CPU for the measured run. */
export interface ClientResult {
  readonly tool: string;
  readonly version: string;
  readonly requests: number;
  /** Transport errors (connection refused, timeouts), apart from non-2xx answers. */
  readonly errors: number;
  readonly non2xx: number;
  /** Starts the tool skipped (loadfleet's open model drops a start when `-c` are already in flight). */
  readonly dropped?: number;
  /** Wall time of the measured call. */
  readonly elapsedS: number;
  /** loadfleet only: the load phase as the report times it (first start to last end), start-up excluded. */
  readonly loadS?: number;
  /** loadfleet only: the load phase's first start and last end, epoch ms (report.json startedAt, endedAt). */
  readonly loadFromMs?: number;
  readonly loadToMs?: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** User + system CPU of this process during the measured call, in microseconds. */
  readonly cpuUs: number;
}

/** Parses `--url U --connections N --duration S [--rate R] [--warmup S] [--workers N]`. */
export function parseClientArgs(argv: readonly string[] = process.argv.slice(2)): ClientArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      url: { type: 'string' },
      connections: { type: 'string', default: '50' },
      duration: { type: 'string', default: '10' },
      rate: { type: 'string' },
      warmup: { type: 'string', default: '0' },
      workers: { type: 'string' },
    },
  });
  if (!values.url) throw new Error('--url is required');
  const number = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${JSON.stringify(text)}`);
    return n;
  };
  return {
    url: values.url,
    connections: number('connections', values.connections),
    durationS: number('duration', values.duration),
    ...(values.rate !== undefined ? { rate: number('rate', values.rate) } : {}),
    warmupS: number('warmup', values.warmup),
    ...(values.workers !== undefined ? { workers: number('workers', values.workers) } : {}),
  };
}

/** Runs `fn` and returns its value with the CPU (user + system, us) and wall time it took in this process. */
export async function measureCall<T>(fn: () => Promise<T>): Promise<{ value: T; cpuUs: number; elapsedS: number }> {
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  const value = await fn();
  const elapsedS = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { value, cpuUs: cpu.user + cpu.system, elapsedS };
}

/** Prints the result line the parent parses (the only thing a client writes on stdout). */
export function printResult(result: ClientResult): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** `RunClientResult` is the JSON line `bench/clients/loadfleet-run.ts` prints for one plan run. */
export interface RunClientResult {
  readonly status: string;
  readonly exitCode: number;
  /** `report.totals.requests`: every attempt, retries and polls included. */
  readonly requests: number;
  readonly errors: number;
  readonly lifecycles: { readonly completed: number; readonly failed: number; readonly dropped: number };
  readonly nonTerminal: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** `report.starts.skewMs` for models with an intended start (burst, rate). */
  readonly skewMs?: number;
  readonly elapsedS: number;
  readonly cpuUs: number;
}
