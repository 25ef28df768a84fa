import { MAX_DURATION_MS } from '../ceilings.ts';
import { compileCondition, describeCondition, type Predicate } from '../plan/condition.ts';
import { compilePath, type PathGetter } from '../plan/path.ts';
import type { Rng } from '../rng.ts';
import type { Step, Wait } from '../plan/steps.ts';
import type { CompiledRequest } from './compiled-request.ts';

/** Samples a wait, in ms, from the lifecycle's RNG. */
export type WaitSampler = (rng: Rng) => number;

/**
 * `Instr` is one instruction of a compiled lifecycle. The step tree of a plan is flattened into a
 * small program with jumps, so a lifecycle's position is a single number (`pc`): a cursor of
 * `{ pc, vars, state, rng }` is enough to checkpoint a lifecycle and resume it on another worker.
 */
export type Instr =
  | { readonly op: 'request'; readonly req: CompiledRequest; readonly at: string }
  | {
      readonly op: 'poll';
      readonly req: CompiledRequest;
      readonly until: Predicate;
      readonly untilText: string;
      readonly everyMs: number;
      readonly factor: number;
      readonly maxEveryMs: number;
      readonly jitter: number;
      readonly maxAttempts: number;
      readonly timeoutMs: number | undefined;
      readonly at: string;
    }
  | { readonly op: 'wait'; readonly sample: WaitSampler; readonly at: string }
  | { readonly op: 'switch'; readonly get: PathGetter; readonly cases: ReadonlyMap<string, number>; readonly otherwise: number; readonly at: string }
  | { readonly op: 'weighted'; readonly weights: readonly number[]; readonly targets: readonly number[]; readonly at: string }
  | { readonly op: 'chance'; readonly p: number; readonly then: number; readonly else: number; readonly at: string }
  | { readonly op: 'jump'; to: number }
  | { readonly op: 'arm'; cleanup: number; readonly at: string }
  | { readonly op: 'end' }
  | { readonly op: 'endCleanup' };

/** A compiled lifecycle: instructions; the body starts at 0. */
export interface Program {
  readonly instrs: readonly Instr[];
}

/** Builds a wait sampler from a plan's wait spec. */
export function compileWait(wait: Wait): WaitSampler {
  if (typeof wait === 'number') return () => wait;
  if ('uniform' in wait) {
    const { min, max } = wait.uniform;
    return (rng) => min + rng.float() * (max - min);
  }
  const { duration, jitter } = wait;
  if (jitter === 0) return () => duration;
  return (rng) => duration * (1 - jitter + 2 * jitter * rng.float());
}

/**
 * Compiles a lifecycle's steps into a `Program`. Request names must exist in `requests` (the plan
 * checker reports unknown names with their position before this runs).
 */
export function compileProgram(steps: readonly Step[], requests: ReadonlyMap<string, CompiledRequest>): Program {
  const instrs: Instr[] = [];
  const pendingCleanups: Array<{ arm: Extract<Instr, { op: 'arm' }>; steps: readonly Step[]; at: string }> = [];
  const lookup = (name: string): CompiledRequest => {
    const req = requests.get(name);
    if (!req) throw new Error(`unknown request "${name}"`);
    return req;
  };

  const emitList = (list: readonly Step[], at: string, inCleanup: boolean): void => {
    list.forEach((step, i) => emit(step, `${at}[${i}]`, inCleanup));
  };
  const emitBranches = (branches: ReadonlyArray<readonly Step[]>, at: string, inCleanup: boolean): number[] => {
    const starts: number[] = [];
    const jumps: Array<Extract<Instr, { op: 'jump' }>> = [];
    branches.forEach((branch, b) => {
      starts.push(instrs.length);
      emitList(branch, `${at}#${b}`, inCleanup);
      const jump = { op: 'jump' as const, to: -1 };
      jumps.push(jump);
      instrs.push(jump);
    });
    for (const jump of jumps) jump.to = instrs.length;
    return starts;
  };

  const emit = (step: Step, at: string, inCleanup: boolean): void => {
    if ('request' in step) {
      instrs.push({ op: 'request', req: lookup(step.request), at });
    } else if ('poll' in step) {
      const p = step.poll;
      const req = lookup(p.request);
      req.needsBody = true;
      instrs.push({
        op: 'poll', req, until: compileCondition(p.until), untilText: describeCondition(p.until), everyMs: p.every, factor: p.backoff,
        maxEveryMs: p.maxEvery ?? MAX_DURATION_MS, jitter: p.jitter, maxAttempts: p.maxAttempts, timeoutMs: p.timeout, at,
      });
    } else if ('wait' in step) {
      instrs.push({ op: 'wait', sample: compileWait(step.wait), at });
    } else if ('cleanup' in step) {
      if (inCleanup) throw new Error(`${at}: cleanup steps cannot contain another cleanup`);
      const arm = { op: 'arm' as const, cleanup: -1, at };
      instrs.push(arm);
      pendingCleanups.push({ arm, steps: step.cleanup, at: `${at}.cleanup` });
    } else {
      emitChoose(step.choose, `${at}.choose`, inCleanup);
    }
  };

  const emitChoose = (choose: Extract<Step, { choose: unknown }>['choose'], at: string, inCleanup: boolean): void => {
    const index = instrs.length;
    instrs.push({ op: 'jump', to: -1 }); // placeholder, replaced below once branch addresses are known
    if ('by' in choose) {
      const names = Object.keys(choose.branches);
      const lists = names.map((n) => choose.branches[n] as readonly Step[]);
      const starts = emitBranches([...lists, choose.otherwise ?? []], at, inCleanup);
      const cases = new Map(names.map((n, i) => [n, starts[i] as number]));
      instrs[index] = { op: 'switch', get: compilePath(choose.by), cases, otherwise: starts[names.length] as number, at };
    } else if ('weights' in choose) {
      const names = Object.keys(choose.weights);
      const starts = emitBranches(names.map((n) => choose.branches[n] ?? []), at, inCleanup);
      instrs[index] = { op: 'weighted', weights: names.map((n) => choose.weights[n] as number), targets: starts, at };
    } else {
      const starts = emitBranches([choose.then, choose.else ?? []], at, inCleanup);
      instrs[index] = { op: 'chance', p: choose.chance, then: starts[0] as number, else: starts[1] as number, at };
    }
  };

  emitList(steps, 'lifecycle', false);
  instrs.push({ op: 'end' });
  for (const cleanup of pendingCleanups) {
    cleanup.arm.cleanup = instrs.length;
    emitList(cleanup.steps, cleanup.at, true);
    instrs.push({ op: 'endCleanup' });
  }
  return { instrs };
}
