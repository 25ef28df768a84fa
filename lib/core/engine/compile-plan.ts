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
    payloads: new PayloadSource(plan.payloads, plan.seed),
    terminal: plan.entity ? new Set(plan.entity.terminal) : undefined,
  };
}
