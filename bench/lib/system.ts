/**
 * What the bench needs to know about the machine: executables on PATH, CPU pinning, and the
 * description printed at the top of RESULTS.md.
 */
import { accessSync, constants } from 'node:fs';
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
