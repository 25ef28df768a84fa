/**
 * `BenchContext` is what every scenario gets: the child registry, the pinning, the mode, the HTTP
 * target, and a helper that runs a `bench/clients/*.ts` child on the generator core and parses its
 * JSON line.
 */
import type { ChildRegistry } from './processes.ts';
import type { Pinning } from './system.ts';
import type { BenchTarget } from './targets.ts';

/** Everything a scenario needs. */
export interface BenchContext {
  readonly root: string;
  readonly registry: ChildRegistry;
  readonly pinning: Pinning;
  /** Smoke mode: 1 s durations, one run, small counts. */
  readonly quick: boolean;
  readonly runs: number;
  /** nginx when present, else the demo target (the generator sections). */
  readonly target: BenchTarget;
  /** Scratch folder for plans and run outputs (removed at the end). */
  readonly workDir: string;
  readonly log: (line: string) => void;
}

/** Runs `node --import tsx SCRIPT ARGS` on the generator core (`pin` overrides it) and returns its last stdout line as JSON. */
export async function runClient<T>(ctx: BenchContext, script: string, args: readonly string[], timeoutMs: number, pin: readonly string[] = ctx.pinning.generator): Promise<T> {
  const argv = [...pin, process.execPath, '--import', 'tsx', script, ...args];
  const run = await ctx.registry.run(argv, { cwd: ctx.root, timeoutMs });
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.timedOut) throw new Error(`${script} did not finish within ${timeoutMs / 1000}s`);
  if (run.code !== 0 || !last.startsWith('{')) {
    throw new Error(`${script} exited ${run.code ?? run.signal}: ${run.stderr.trim().split('\n').slice(-5).join(' / ') || '(no stderr)'}`);
  }
  return JSON.parse(last) as T;
}

