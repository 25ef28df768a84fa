import type { Plan } from '../../core/plan/schema.ts';

/**
 * One thread's share of a plan's run-wide caps: requests, requests per second, concurrency and
 * connections are divided (rounded up) among `count` threads, so N threads together stay within what
 * the plan allows. Everything else is unchanged: the units themselves are sharded by the driver.
 */
export function shardPlan(plan: Plan, count: number): Plan {
  if (count <= 1) return plan;
  const share = (n: number): number => Math.max(1, Math.ceil(n / count));
  return {
    ...plan,
    target: { ...plan.target, maxConnections: share(plan.target.maxConnections) },
    limits: {
      ...plan.limits,
      maxRequests: share(plan.limits.maxRequests),
      maxRps: plan.limits.maxRps / count,
      maxConcurrency: share(plan.limits.maxConcurrency),
    },
  };
}
