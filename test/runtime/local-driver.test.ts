import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../lib/core/engine/compile-plan.ts';
import type { Plan } from '../../lib/core/plan/schema.ts';
import { planUnits } from '../../lib/core/planner.ts';
import type { BatchUnit } from '../../lib/core/units.ts';
import { runLocal, type LiveProgress } from '../../lib/runtime/local-driver.ts';
import { customPlan, MemoryEvents, runToEnd } from '../helpers/engine-harness.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { ScriptedHttp } from '../helpers/scripted-http.ts';

/** `count` lifecycles of one ping each (its index in the query), grouped 3:1 by type, batches of 7, 4 at a time. */
function groupedPlan(count: number, extra: Record<string, unknown> = {}): Plan {
  return customPlan({
    requests: { ping: { path: '/ping?i={{index}}' }, prepare: { method: 'POST', path: '/prepare' } },
    lifecycle: [{ request: 'ping' }],
    payloads: { count, fields: { type: { exactly: { a: (count * 3) / 4, b: count / 4 } } } },
    load: { model: 'batches', batchSize: 7, parallel: 4, groupBy: 'payload.type' },
    ...extra,
  });
}

/** Runs `plan` through the local driver on a fake clock and a scripted HTTP client. */
async function run(plan: Plan, opts: { shard?: { index: number; count: number }; prepareStatus?: number } = {}) {
  const clock = new FakeClock();
  const http = new ScriptedHttp(clock).on('GET', '/ping', { status: 200 }).on('POST', '/prepare', { status: opts.prepareStatus ?? 200 });
  const events = new MemoryEvents();
  let progress: Readonly<LiveProgress> | undefined;
  const outcome = await runToEnd(
    clock,
    runLocal({
      plan, kind: 'custom', runId: 'run-1', clock, http, events, stop: new AbortController().signal, kill: new AbortController().signal,
      shard: opts.shard, onStart: (p) => (progress = p),
    }),
  );
  const indices = http.calls.filter((c) => c.path.startsWith('/ping')).map((c) => Number(new URL(c.url).searchParams.get('i')));
  return { outcome, indices, events, progress: progress as Readonly<LiveProgress> };
}

describe('Function: runLocal (units built as the pool takes them)', () => {
  it('runs each of 2,000 grouped lifecycles exactly once, every unit counted', async () => {
    // Act
    const { outcome, indices, events, progress } = await run(groupedPlan(2000));

    // Assess: 1,500 "a" in 215 batches and 500 "b" in 72
    expect(outcome.report.lifecycles).toMatchObject({ planned: 2000, completed: 2000, failed: 0, dropped: 0 });
    expect(indices).toHaveLength(2000);
    expect(new Set(indices).size).toBe(2000);
    expect(events.ofType('completed')).toHaveLength(2000);
    expect(progress).toMatchObject({ planned: 2000, started: 2000, lifecycles: 2000, unitsPlanned: 287, unitsDone: 287 });
    expect(outcome.report.batches.count).toBe(287);
  });

  it('runs only its shard\'s units: unit i on shard i mod count, as the whole list filtered', async () => {
    // Prepare
    const plan = groupedPlan(200);
    const units = planUnits(plan, 'run-1', compilePlan(plan).payloads, 0).units as BatchUnit[];
    const expected = units.filter((_, i) => i % 3 === 1).flatMap((u) => u.indices);

    // Act
    const { indices, progress, outcome } = await run(plan, { shard: { index: 1, count: 3 } });

    // Assess
    expect([...indices].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
    expect(progress.unitsPlanned).toBe(units.filter((_, i) => i % 3 === 1).length);
    expect(outcome.report.lifecycles.completed).toBe(expected.length);
  });

  it('drops every planned lifecycle, each once, when setup fails', async () => {
    // Prepare
    const plan = groupedPlan(400, { setup: [{ request: 'prepare' }] });

    // Act
    const { outcome, indices, events } = await run(plan, { prepareStatus: 500 });

    // Assess
    expect(indices).toEqual([]);
    expect(outcome.report.lifecycles).toMatchObject({ planned: 400, completed: 0, dropped: 400 });
    expect(new Set(events.ofType('dropped').map((e) => e.index)).size).toBe(400);
    expect(outcome.report.status).toBe('failed');
  });
});
