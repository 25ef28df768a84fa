import * as z from 'zod';
import { compilePath, parsePath } from './path.ts';

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** `PathSchema` is a `$.a.b[0]`-style path, checked when the plan is validated. */
export const PathSchema = z.string().superRefine((value, ctx) => {
  try {
    parsePath(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

/**
 * `ConditionSchema` is a condition as data, never code: `{ path, equals }`, `{ path, notEquals }`,
 * `{ path, in: [...] }` or `{ path, exists: true|false }`, over the response body (path `$...`).
 */
export const ConditionSchema = z.union([
  z.strictObject({ path: PathSchema, equals: Scalar }),
  z.strictObject({ path: PathSchema, notEquals: Scalar }),
  z.strictObject({ path: PathSchema, in: z.array(Scalar).min(1) }),
  z.strictObject({ path: PathSchema, exists: z.boolean() }),
]);
export type Condition = z.output<typeof ConditionSchema>;

/** A compiled condition: true when it holds for the given JSON value. */
export type Predicate = (root: unknown) => boolean;

/** Compiles a condition once, so polling evaluates it without re-parsing the path. */
export function compileCondition(condition: Condition): Predicate {
  const get = compilePath(condition.path);
  if ('equals' in condition) return (root) => get(root) === condition.equals;
  if ('notEquals' in condition) return (root) => get(root) !== condition.notEquals;
  if ('in' in condition) {
    const allowed = new Set<unknown>(condition.in);
    return (root) => allowed.has(get(root));
  }
  return (root) => (get(root) !== undefined) === condition.exists;
}

/** Describes a condition for messages, e.g. `$.status == "Accepted"`. */
export function describeCondition(condition: Condition): string {
  if ('equals' in condition) return `${condition.path} == ${JSON.stringify(condition.equals)}`;
  if ('notEquals' in condition) return `${condition.path} != ${JSON.stringify(condition.notEquals)}`;
  if ('in' in condition) return `${condition.path} in ${JSON.stringify(condition.in)}`;
  return `${condition.path} ${condition.exists ? 'exists' : 'is absent'}`;
}
