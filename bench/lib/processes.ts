/**
 * Child processes of the bench: every one is spawned through a `ChildRegistry`, in its own process
 * group (so a wrapper such as `taskset` or `/usr/bin/time` dies with what it wraps), with a hard time
 * limit, and is killed when the bench ends: normally, on an error, or on Ctrl+C / SIGTERM.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';

/** How long a stopped child gets between SIGTERM and SIGKILL. */
const STOP_GRACE_MS = 3000;

/** What `ChildRegistry.run` collects from a child that ran to its end. */
export interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallS: number;
  readonly timedOut: boolean;
}

/** Options of `ChildRegistry.run`. */
export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Killed (process group, SIGTERM then SIGKILL) after this long. */
  readonly timeoutMs: number;
}

/** `ChildRegistry` owns the bench's children: it spawns them, bounds them in time and kills them. */
export class ChildRegistry {
  private readonly live = new Set<ChildProcess>();

  /** Spawns `argv` in a new process group and tracks it until it exits. */
  spawn(argv: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const [command, ...args] = argv;
    if (!command) throw new Error('spawn: empty command');
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options, detached: true });
    this.live.add(child);
    child.once('exit', () => this.live.delete(child));
    child.once('error', () => this.live.delete(child));
    return child;
  }

  /** Runs `argv` to its end (or its time limit) and collects its output. */
  async run(argv: readonly string[], options: RunOptions): Promise<ChildRun> {
    const startedAt = performance.now();
    const child = this.spawn(argv, { cwd: options.cwd, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void this.stop(child);
    }, options.timeoutMs);
    try {
      const [code, signal] = (await Promise.race([
        once(child, 'exit'),
        once(child, 'error').then(([error]) => { throw error as Error; }),
      ])) as [number | null, NodeJS.Signals | null];
      return { code, signal, stdout, stderr, wallS: (performance.now() - startedAt) / 1000, timedOut };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops one child's process group: SIGTERM, then SIGKILL after a grace period. */
  async stop(child: ChildProcess, graceMs = STOP_GRACE_MS): Promise<void> {
    if (!this.live.has(child)) return;
    const exited = once(child, 'exit');
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    // A wrapper may exit first and leave its group behind: make sure nothing of it survives.
    signalGroup(child, 'SIGKILL');
  }

  /** Stops every live child. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.live].map((child) => this.stop(child)));
  }

  /** Kills every live child at once, synchronously (for `exit` and signal handlers). */
  killAllSync(): void {
    for (const child of this.live) signalGroup(child, 'SIGKILL');
    this.live.clear();
  }

  /** How many children are still running. */
  get size(): number {
    return this.live.size;
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * Kills the registry's children when this process exits or is interrupted: Ctrl+C and SIGTERM exit
 * with 130 after killing them; a normal or failed exit kills whatever is left. `cleanup` (synchronous:
 * e.g. removing the scratch folder) runs once, after the children are gone.
 */
export function killChildrenOnExit(registry: ChildRegistry, log: (line: string) => void, cleanup: () => void = () => {}): void {
  let done = false;
  const finish = (): void => {
    registry.killAllSync();
    if (done) return;
    done = true;
    cleanup();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping ${registry.size} bench child process(es)`);
    finish();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', finish);
}
