import { formatPath, type PlanProblem } from './issues.ts';
import type { Plan, RequestSpec } from './schema.ts';
import type { Step } from './steps.ts';
import { referencedVars } from './template.ts';

type Path = ReadonlyArray<string | number>;

/** A step that captures a value: where it is, in walk order, and in which list of steps. */
interface Site {
  readonly name: string;
  readonly request: string;
  readonly path: Path;
  readonly order: number;
  readonly scope: string;
}

/** A request sent before a value it uses is sure to have been captured (`key`: where, under its step). */
interface EarlyUse extends Site {
  readonly key: Path;
}

/**
 * Checks that every `{{name}}` a step's request uses was captured by an earlier step on every path
 * that reaches it, following how the interpreter runs a plan:
 *
 * - steps run in order, and a failed request or poll ends the body, so a step's captures hold for
 *   every step after it (a poll captures once its condition holds);
 * - a `choose` continues with what every branch it can take captured (a branch of weight 0, `then`
 *   at chance 0 and `else` at chance 1 are never taken; a missing `otherwise` or `else` captures
 *   nothing);
 * - a cleanup runs later, when the body ends, from wherever it ended after the cleanup was armed: it
 *   starts with what was captured when it was armed, and its captures are not the body's;
 * - setup's captures are shared: every lifecycle, every task and `verify` start with them; those
 *   lists never see each other's captures.
 *
 * A request no step sends is checked as before: each name it uses must be captured by some request.
 */
export function captureOrderProblems(plan: Plan): PlanProblem[] {
  const uses = new Map(Object.entries(plan.requests).map(([name, req]) => [name, usedVars(req, plan.target.headers)]));
  const captures = (name: string): string[] => Object.keys(plan.requests[name]?.capture ?? {});
  const sites: Site[] = [];
  const early: EarlyUse[] = [];
  const sent = new Set<string>();
  let order = 0;

  /** A step sends `request`: what it uses must be known; then what it captures is. */
  const send = (request: string, step: Path, key: Path, scope: string, known: Set<string>): void => {
    sent.add(request);
    const at = order++;
    for (const name of uses.get(request) ?? []) if (!known.has(name)) early.push({ name, request, path: step, key, order: at, scope });
    for (const name of captures(request)) {
      sites.push({ name, request, path: step, order: at, scope });
      known.add(name);
    }
  };

  /** Walks `steps` from what is known on entry; returns what is known when the list completes. */
  const walk = (steps: readonly Step[], path: Path, scope: string, entry: ReadonlySet<string>): Set<string> => {
    const known = new Set(entry);
    steps.forEach((step, i) => {
      const at = [...path, i];
      if ('request' in step) send(step.request, at, ['request'], scope, known);
      else if ('poll' in step) send(step.poll.request, at, ['poll', 'request'], scope, known);
      else if ('cleanup' in step) walk(step.cleanup, [...at, 'cleanup'], scope, known);
      else if ('choose' in step) {
        // Every branch is checked; what follows knows what every branch that can be taken captured.
        const after = branchesOf(step.choose).map(({ steps: list, key, taken }) => ({ taken, known: walk(list, [...at, 'choose', ...key], scope, known) }));
        const taken = after.filter((b) => b.taken).map((b) => b.known);
        if (taken.length > 0) {
          const common = intersection(taken);
          known.clear();
          for (const name of common) known.add(name);
        }
      }
    });
    return known;
  };

  const shared = walk(plan.setup, ['setup'], 'setup', new Set());
  walk(plan.lifecycle, ['lifecycle'], 'lifecycle', shared);
  for (const [name, steps] of Object.entries(plan.tasks)) walk(steps, ['tasks', name], `tasks.${name}`, shared);
  walk(plan.verify, ['verify'], 'verify', shared);

  const problems: PlanProblem[] = early.map((use) => ({
    path: [...use.path, ...use.key],
    message: `request "${use.request}" uses {{${use.name}}} before any step captures it (${hint(use, sites)})`,
  }));
  // Requests no step sends: each name they use must at least be captured by some request.
  const capturedAnywhere = new Set(Object.values(plan.requests).flatMap((r) => Object.keys(r.capture)));
  for (const [name, names] of uses) {
    if (sent.has(name)) continue;
    for (const v of names) {
      if (!capturedAnywhere.has(v)) problems.push({ path: ['requests', name], message: `template uses "{{${v}}}" but no request captures "${v}"; captured: ${[...capturedAnywhere].join(', ') || '(none)'}` });
    }
  }
  return problems;
}

/** The names a request's templates use (path, headers with the target's, body), each once. */
function usedVars(req: RequestSpec, targetHeaders: Readonly<Record<string, string>>): string[] {
  const texts = [req.path, ...Object.values({ ...targetHeaders, ...req.headers }), JSON.stringify(req.body ?? '')];
  return [...new Set(texts.flatMap(referencedVars))];
}

/** The branches of a `choose`: their steps, their key path under `choose`, and whether they can be taken. */
function branchesOf(choose: Extract<Step, { choose: unknown }>['choose']): Array<{ steps: readonly Step[]; key: Path; taken: boolean }> {
  if ('by' in choose) {
    const named = Object.entries(choose.branches).map(([name, steps]) => ({ steps, key: ['branches', name], taken: true }));
    return [...named, { steps: choose.otherwise ?? [], key: ['otherwise'], taken: true }];
  }
  if ('weights' in choose) {
    return Object.entries(choose.branches).map(([name, steps]) => ({ steps, key: ['branches', name], taken: (choose.weights[name] ?? 0) > 0 }));
  }
  return [
    { steps: choose.then, key: ['then'], taken: choose.chance > 0 },
    { steps: choose.else ?? [], key: ['else'], taken: choose.chance < 1 },
  ];
}

function intersection(sets: ReadonlyArray<ReadonlySet<string>>): string[] {
  const [first, ...rest] = sets;
  return first ? [...first].filter((name) => rest.every((set) => set.has(name))) : [];
}

/** Where the value is captured instead, said so that the fix is plain. */
function hint(use: EarlyUse, sites: readonly Site[]): string {
  const same = sites.filter((s) => s.name === use.name && s.scope === use.scope);
  const later = same.find((s) => s.order > use.order && !inSiblingBranch(s.path, use.path));
  if (later) return `captured later by "${later.request}" at ${formatPath(later.path)}`;
  const before = same.find((s) => s.order !== use.order);
  if (!before && same.length > 0) return `"${use.request}" captures it only from its own response`;
  if (before) return `captured by "${before.request}" at ${formatPath(before.path)}, which not every path to this step runs`;
  const elsewhere = sites.find((s) => s.name === use.name);
  if (elsewhere) {
    const why = use.scope === 'setup' ? 'which runs after setup' : 'and only setup\'s captures are shared; each lifecycle, task and verify has its own';
    return `captured by "${elsewhere.request}" at ${formatPath(elsewhere.path)}, ${why}`;
  }
  return 'no step captures it';
}

/** True when two step paths part inside a `choose` (one branch against another): neither runs after the other. */
function inSiblingBranch(a: Path, b: Path): boolean {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const parent = a[i - 1];
  return i < a.length && i < b.length && (parent === 'choose' || parent === 'branches');
}
