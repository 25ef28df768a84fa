/**
 * What the bench needs to know about the machine: executables on PATH, CPU pinning, and the
 * description printed at the top of RESULTS.md.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { availableParallelism, cpus, release } from 'node:os';
import { delimiter, join } from 'node:path';

/** Finds `name` on PATH (plus the sbin folders, where Debian puts nginx); undefined when absent. */
export function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** `Pinning` is the command prefix that puts the target and the generators on their own cores. */
export interface Pinning {
  readonly target: readonly string[];
  readonly generator: readonly string[];
  /** One line for RESULTS.md. */
  readonly description: string;
}

/** Pins the target to core 0 and generators to core 1 when `taskset` exists and there are two cores. */
export function detectPinning(): Pinning {
  const cores = availableParallelism();
  const taskset = which('taskset');
  if (taskset && cores >= 2) {
    return { target: [taskset, '-c', '0'], generator: [taskset, '-c', '1'], description: 'target on core 0, generator on core 1 (taskset)' };
  }
  const why = taskset ? `only ${cores} core` : 'no taskset';
  return { target: [], generator: [], description: `not pinned (${why}): target and generator share the CPU` };
}

/** `Machine` describes where the figures were measured. */
export interface Machine {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly kernel: string;
  readonly node: string;
}

/** Reads the machine description. */
export function describeMachine(): Machine {
  return { nproc: availableParallelism(), cpuModel: cpus()[0]?.model.trim() ?? 'unknown', kernel: release(), node: process.version };
}

let clockTicks: number | undefined;

/** `getconf CLK_TCK` (the unit of /proc CPU times), 100 when it cannot be read. */
function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const n = Number(out.stdout?.trim());
    clockTicks = Number.isFinite(n) && n > 0 ? n : 100;
  }
  return clockTicks;
}

/** CPU seconds (user + system, every thread) process `pid` has used so far, from /proc; undefined off Linux or once it is gone. */
export function processCpuS(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / clockTicksPerSecond() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `CpuSampler` reads another process's CPU time every `intervalMs` (epoch-stamped), so the CPU it used
 * inside a window known only afterwards (a child's measured call) can be read back, in cores.
 */
export class CpuSampler {
  private readonly samples: { atMs: number; cpuS: number }[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number, intervalMs = 100) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    const cpuS = processCpuS(this.pid);
    if (cpuS !== undefined) this.samples.push({ atMs: Date.now(), cpuS });
  }

  /** Stops sampling (takes a last sample first). */
  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }

  /** Average cores used between two epoch times (linear between samples); undefined without samples around them. */
  coresBetween(fromMs: number, toMs: number): number | undefined {
    const at = (t: number): number | undefined => {
      const after = this.samples.findIndex((s) => s.atMs >= t);
      if (after <= 0) return after === 0 && this.samples[0]?.atMs === t ? this.samples[0].cpuS : undefined;
      const a = this.samples[after - 1] as { atMs: number; cpuS: number };
      const b = this.samples[after] as { atMs: number; cpuS: number };
      return a.cpuS + ((b.cpuS - a.cpuS) * (t - a.atMs)) / Math.max(1, b.atMs - a.atMs);
    };
    const from = at(fromMs);
    const to = at(toMs);
    if (from === undefined || to === undefined || toMs <= fromMs) return undefined;
    return (to - from) / ((toMs - fromMs) / 1000);
  }
}

/**
 * CPU seconds the whole machine has been busy so far (/proc/stat user, nice, system, irq, softirq; idle,
 * iowait and steal left out); undefined off Linux. irq and softirq are in: a process's own times include
 * the softirq work (loopback networking) done while it ran.
 */
export function machineBusyS(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('cpu '));
    const [user, nice, system, , , irq, softirq] = (line ?? '').trim().split(/\s+/).slice(1, 8).map(Number);
    const ticks = [user, nice, system, irq, softirq].reduce<number>((sum, t) => sum + (t ?? Number.NaN), 0);
    return Number.isFinite(ticks) ? ticks / clockTicksPerSecond() : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) of this process plus every child it has reaped (/proc/self/stat); undefined off Linux. */
export function benchCpuS(): number | undefined {
  try {
    const text = readFileSync('/proc/self/stat', 'utf8');
    // utime, stime, cutime, cstime are fields 14-17.
    const [utime, stime, cutime, cstime] = text.slice(text.lastIndexOf(')') + 2).split(' ').slice(11, 15).map(Number);
    const ticks = (utime ?? Number.NaN) + (stime ?? Number.NaN) + (cutime ?? Number.NaN) + (cstime ?? Number.NaN);
    return Number.isFinite(ticks) ? ticks / clockTicksPerSecond() : undefined;
  } catch {
    return undefined;
  }
}
