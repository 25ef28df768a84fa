import { describe, expect, it } from 'vitest';
import { PlanSchema } from '../../../lib/core/plan/schema.ts';
import { shardPlan } from '../../../lib/runtime/threads/shard.ts';

describe('Function: shardPlan', () => {
  it("gives each of N threads a rounded-up share of the run's caps and connections", () => {
    const plan = PlanSchema.parse({
      kind: 'custom', name: 's', target: { baseUrl: 'http://127.0.0.1:1', maxConnections: 5 }, requests: { a: { path: '/' } },
      lifecycle: [{ request: 'a' }], load: { model: 'vus', vus: 4, duration: '1s' }, limits: { maxRequests: 101, maxRps: 1000, maxConcurrency: 9 },
    });
    const shard = shardPlan(plan, 2);
    expect(shard.target.maxConnections).toBe(3);
    expect(shard.limits).toMatchObject({ maxRequests: 51, maxRps: 500, maxConcurrency: 5 });
    expect(shardPlan(plan, 1)).toBe(plan);
  });
});
