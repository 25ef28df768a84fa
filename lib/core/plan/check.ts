import { captureOrderProblems } from './capture-order.ts';
import { limitProblems } from './check-limits.ts';
import type { PlanProblem } from './issues.ts';
import { isGeneratorShape } from './payload-spec.ts';
import type { Plan, RequestSpec } from './schema.ts';
import type { Step } from './steps.ts';
import { compileJson, compileString } from './template.ts';

export type { PlanProblem };

/**
 * Checks what a schema cannot: names that must refer to each other (requests, branches, tasks), the
 * order of captures (`captureOrderProblems`), exact counts that must add up, and the load's numbers
 * against the limits and ceilings (`limitProblems`). Returns every problem, not just the first.
 */
export function checkPlan(plan: Plan): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const known = Object.keys(plan.requests);
  const unknownRequest = (name: string): string => `unknown request "${name}"; known requests: ${known.join(', ') || '(none)'}`;

  const walk = (steps: readonly Step[], path: Array<string | number>, inCleanup: boolean): void => {
    steps.forEach((step, i) => {
      const at = [...path, i];
      if ('request' in step && !plan.requests[step.request]) problems.push({ path: [...at, 'request'], message: unknownRequest(step.request) });
      if ('poll' in step && !plan.requests[step.poll.request]) problems.push({ path: [...at, 'poll', 'request'], message: unknownRequest(step.poll.request) });
      if ('cleanup' in step) {
        if (inCleanup) problems.push({ path: [...at, 'cleanup'], message: 'a cleanup cannot contain another cleanup' });
        walk(step.cleanup, [...at, 'cleanup'], true);
      }
      if ('choose' in step) {
        const c = step.choose;
        const base = [...at, 'choose'];
        if ('by' in c) {
          for (const [name, list] of Object.entries(c.branches)) walk(list, [...base, 'branches', name], inCleanup);
          if (c.otherwise) walk(c.otherwise, [...base, 'otherwise'], inCleanup);
          if (!/^(payload|vars)\./.test(c.by)) problems.push({ path: [...base, 'by'], message: `choose.by must start with "payload." or "vars.", got "${c.by}"` });
        } else if ('weights' in c) {
          for (const name of Object.keys(c.weights)) {
            if (!c.branches[name]) problems.push({ path: [...base, 'weights', name], message: `weight "${name}" has no branch; branches: ${Object.keys(c.branches).join(', ')}` });
          }
          for (const [name, list] of Object.entries(c.branches)) {
            if (c.weights[name] === undefined) problems.push({ path: [...base, 'branches', name], message: `branch "${name}" has no weight` });
            walk(list, [...base, 'branches', name], inCleanup);
          }
          if (Object.values(c.weights).every((w) => w === 0)) problems.push({ path: [...base, 'weights'], message: 'at least one weight must be above 0' });
        } else {
          walk(c.then, [...base, 'then'], inCleanup);
          if (c.else) walk(c.else, [...base, 'else'], inCleanup);
        }
      }
    });
  };
  walk(plan.setup, ['setup'], false);
  walk(plan.lifecycle, ['lifecycle'], false);
  for (const [name, steps] of Object.entries(plan.tasks)) walk(steps, ['tasks', name], false);
  if (plan.load.model === 'phases') {
    const tasks = Object.keys(plan.tasks);
    if (tasks.length === 0) problems.push({ path: ['tasks'], message: 'the phases model picks among named tasks: define at least one under tasks' });
    plan.load.phases.forEach((phase, i) => {
      for (const name of Object.keys(phase.weights)) {
        if (!plan.tasks[name]) problems.push({ path: ['load', 'phases', i, 'weights', name], message: `unknown task "${name}"; known tasks: ${tasks.join(', ') || '(none)'}` });
      }
      if (Object.keys(phase.weights).length > 0 && Object.values(phase.weights).every((w) => w === 0)) {
        problems.push({ path: ['load', 'phases', i, 'weights'], message: 'at least one weight must be above 0' });
      }
    });
  } else if (plan.lifecycle.length === 0) {
    problems.push({ path: ['lifecycle'], message: 'give the steps of a lifecycle (at least one)' });
  }
  walk(plan.verify, ['verify'], false);

  for (const [name, req] of Object.entries(plan.requests)) templateProblems(req, ['requests', name], problems);
  for (const [header, value] of Object.entries(plan.target.headers)) {
    try {
      compileString(value);
    } catch (error) {
      problems.push({ path: ['target', 'headers', header], message: (error as Error).message });
    }
  }
  problems.push(...captureOrderProblems(plan));

  // `exactly` fields, nested ones included, must share out exactly payloads.count values.
  const checkExact = (fields: Readonly<Record<string, unknown>>, path: Array<string | number>): void => {
    for (const [field, spec] of Object.entries(fields)) {
      if (spec === null || typeof spec !== 'object') continue;
      if ('exactly' in spec && Object.keys(spec).length === 1) {
        const counts = spec.exactly as Record<string, number>;
        const sum = Object.values(counts).reduce((a, b) => a + b, 0);
        if (plan.payloads.count === undefined) problems.push({ path: [...path, field, 'exactly'], message: 'exact counts need payloads.count' });
        else if (sum !== plan.payloads.count) problems.push({ path: [...path, field, 'exactly'], message: `exact counts add up to ${sum} but payloads.count is ${plan.payloads.count}` });
      } else if (!isGeneratorShape(spec)) {
        checkExact(spec as Record<string, unknown>, [...path, field]);
      }
    }
  };
  checkExact(plan.payloads.fields, ['payloads', 'fields']);
  fieldTemplateProblems(plan.payloads.fields, ['payloads', 'fields'], problems);
  if (plan.payloads.key !== undefined && !(plan.payloads.key in plan.payloads.fields)) {
    problems.push({ path: ['payloads', 'key'], message: `key field "${plan.payloads.key}" is not one of the payload fields` });
  }
  if (plan.load.model === 'batches' && plan.payloads.count === undefined) {
    problems.push({ path: ['payloads'], message: 'the batches model runs a fixed set of payloads: give payloads.count' });
  }
  if (plan.load.model === 'burst' && plan.payloads.count !== undefined && plan.payloads.count < plan.load.count) {
    problems.push({ path: ['payloads', 'count'], message: `payloads.count (${plan.payloads.count}) is below the burst's count (${plan.load.count})` });
  }
  problems.push(...limitProblems(plan));
  for (const [i, rule] of plan.expect.entries()) {
    if ('endpoint' in rule && !plan.requests[rule.endpoint]) problems.push({ path: ['expect', i, 'endpoint'], message: unknownRequest(rule.endpoint) });
  }
  return problems;
}

/** Compiles a request's templates once, so a bad expression is a validation error, not a crash mid-run. */
function templateProblems(req: RequestSpec, path: ReadonlyArray<string | number>, problems: PlanProblem[]): void {
  const attempt = (at: ReadonlyArray<string | number>, compile: () => unknown): void => {
    try {
      compile();
    } catch (error) {
      problems.push({ path: at, message: (error as Error).message });
    }
  };
  attempt([...path, 'path'], () => compileString(req.path));
  for (const [header, value] of Object.entries(req.headers)) attempt([...path, 'headers', header], () => compileString(value));
  if (req.body !== undefined) attempt([...path, 'body'], () => (typeof req.body === 'string' ? compileString(req.body) : compileJson(req.body)));
}

/** Compiles the templates of payload fields (`"ORD-{{seq:06}}"`), nested ones included, as the payload builder will. */
function fieldTemplateProblems(fields: Readonly<Record<string, unknown>>, path: ReadonlyArray<string | number>, problems: PlanProblem[]): void {
  for (const [field, spec] of Object.entries(fields)) {
    if (typeof spec === 'string' && spec.includes('{{')) {
      try {
        compileString(spec);
      } catch (error) {
        problems.push({ path: [...path, field], message: (error as Error).message });
      }
    } else if (spec !== null && typeof spec === 'object' && !isGeneratorShape(spec)) {
      fieldTemplateProblems(spec as Record<string, unknown>, [...path, field], problems);
    }
  }
}

/**
 * Things worth telling the user that are not errors, e.g. a phase with no task weights (every task then
 * runs equally, as the phased seed does, but a user probably meant to set them).
 */
export function planWarnings(plan: Plan): string[] {
  const warnings: string[] = [];
  if (plan.load.model === 'phases') {
    for (const phase of plan.load.phases) {
      if (Object.keys(phase.weights).length === 0) {
        warnings.push(`phase "${phase.name}" has no task weights: every task (${Object.keys(plan.tasks).join(', ')}) runs with weight 1`);
      }
    }
  }
  return warnings;
}
