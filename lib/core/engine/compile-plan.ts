import { PayloadSource } from '../payloads.ts';
import type { Plan } from '../plan/schema.ts';
import { compileRequests, type CompiledRequest } from './compiled-request.ts';
import { compileProgram, type Program } from './program.ts';

/**
 * `CompiledPlan` is a plan made ready to run: requests and templates compiled, the lifecycle flattened
 * into a program, payloads ready to be built by index. Compiled once per worker, shared by its units.
 */
export interface CompiledPlan {
  readonly plan: Plan;
  readonly requests: ReadonlyMap<string, CompiledRequest>;
  readonly program: Program;
  /** The plan's setup and verify steps, compiled; undefined when the plan has none. */
  readonly setup: Program | undefined;
  /** Named task programs (`phases` model). */
  readonly tasks: ReadonlyMap<string, Program>;
  readonly verify: Program | undefined;
  readonly payloads: PayloadSource;
  readonly terminal: ReadonlySet<string> | undefined;
}

/** Compiles a validated plan. */
export function compilePlan(plan: Plan): CompiledPlan {
  const requests = compileRequests(plan);
  return {
    plan,
    requests,
    program: compileProgram(plan.lifecycle, requests),
    setup: plan.setup.length > 0 ? compileProgram(plan.setup, requests) : undefined,
    tasks: new Map(Object.entries(plan.tasks).map(([name, steps]) => [name, compileProgram(steps, requests)])),
    verify: plan.verify.length > 0 ? compileProgram(plan.verify, requests) : undefined,
    payloads: new PayloadSource(plan.payloads, plan.seed),
    terminal: plan.entity ? new Set(plan.entity.terminal) : undefined,
  };
}
