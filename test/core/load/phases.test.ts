import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RequestExecutor } from '../../../lib/core/engine/request-executor.ts';
import { TracePropagation } from '../../../lib/core/engine/trace-headers.ts';
import { phaseClock, runPhases, spawnTime } from '../../../lib/core/load/phases.ts';
import type { Plan } from '../../../lib/core/plan/schema.ts';
import { planUnits } from '../../../lib/core/planner.ts';
import type { PhasesUnit } from '../../../lib/core/units.ts';
import type { RecordedCall } from '../../helpers/scripted-http.ts';
import { customPlan, engineHarness, type Harness } from '../../helpers/engine-harness.ts';
import type { FakeClock } from '../../helpers/fake-clock.ts';

/** Tasks a, b, c: one GET each, carrying the lifecycle index (user = index mod totalUsers). */
const TASK_REQUESTS = { a: { path: '/a?i={{index}}' }, b: { path: '/b?i={{index}}' }, c: { path: '/c?i={{index}}' } };
const TASKS = { a: [{ request: 'a' }], b: [{ request: 'b' }], c: [{ request: 'c' }] };

function phasesPlan(load: Record<string, unknown>, seed = 7): Plan {
  return customPlan({ seed, requests: TASK_REQUESTS, tasks: TASKS, payloads: { fields: {} }, load: { model: 'phases', ...load } });
}

/** Advances the fake clock 10 s at a time until `work` settles (long runs fire far more than runAll's 10,000 timers). */
async function drive<T>(clock: FakeClock, work: Promise<T>): Promise<T> {
  let settled = false;
  const watched = work.finally(() => {
    settled = true;
  });
  while (!settled) {
    await clock.advance(10_000);
    await nextTurn();
    if (!settled && clock.pending() === 0) throw new Error('drive: work is stuck with no timer pending');
  }
  return watched;
}

/** Runs every unit of a phases plan on the fake clock, with instant 200 answers. */
async function run(plan: Plan): Promise<Harness> {
  const h = engineHarness(plan, { unitId: 'p0001', deadline: Number.POSITIVE_INFINITY });
  for (const path of ['/a', '/b', '/c']) h.http.on('GET', path, { status: 200 });
  const { units } = planUnits(plan, 'run-1', h.compiled.payloads, 0);
  if (plan.load.model !== 'phases') throw new Error('not a phases plan');
  const load = plan.load;
  await drive(h.clock, Promise.all((units as PhasesUnit[]).map((u) => runPhases(u, { ...h.env, unitId: u.unitId }, load, h.compiled.tasks))));
  return h;
}

const taskOf = (c: RecordedCall): string => c.path.slice(1, 2);
const userOf = (c: RecordedCall, totalUsers: number): number => Number(new URL(c.url).searchParams.get('i')) % totalUsers;
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const cv = (xs: readonly number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) / m;
};
/** Gaps between consecutive calls of one user, keyed by the phase the earlier call started in. */
function gapsOf(calls: readonly RecordedCall[], phaseAt: (t: number) => number): number[][] {
  const gaps: number[][] = [[], []];
  for (let k = 1; k < calls.length; k++) gaps[phaseAt(calls[k - 1]!.at)]?.push(calls[k]!.at - calls[k - 1]!.at);
  return gaps;
}

describe('Load model: phases', () => {
  it('switches the task mix exactly at the warmup time: every task before it is the baseline\'s, every one after the intervention\'s', async () => {
    // Prepare: 10 s baseline of task a, 10 s intervention of task b, ON/OFF users with sessions
    const plan = phasesPlan({
      phases: [
        { name: 'baseline', duration: '10s', users: 5, spawnRate: 5, weights: { a: 1 }, thinkTime: { mean: 300, cv: 0.5 } },
        { name: 'intervention', duration: '10s', users: 8, spawnRate: 4, weights: { b: 1 }, thinkTime: { mean: 300, cv: 0.5 } },
      ],
      onOff: { on: { mean: 2000, cv: 0.5 }, off: { mean: 1000, cv: 0.5 } },
      session: { mean: 5, cv: 0.5 },
    });

    // Act
    const h = await run(plan);

    // Assess
    const a = h.http.calls.filter((c) => taskOf(c) === 'a');
    const b = h.http.calls.filter((c) => taskOf(c) === 'b');
    expect(a.length).toBeGreaterThan(50);
    expect(b.length).toBeGreaterThan(50);
    expect(Math.max(...a.map((c) => c.at))).toBeLessThan(10_000);
    expect(Math.min(...b.map((c) => c.at))).toBe(10_000); // user 5 joins the intervention at its very start
    expect(Math.max(...b.map((c) => c.at))).toBeLessThan(20_000);
    expect(h.recorder.result(h.clock.now()).phases).toMatchObject({ baseline: { tasks: { a: a.length } }, intervention: { tasks: { b: b.length } } });
  });

  it('spawns users at phase start + rank / spawnRate, keeps the users already running, and parks users a phase does not want', async () => {
    // Prepare: 4 users at 2/s, then 10 users at 4/s (6 new), then 2 users; no ON/OFF, long think times
    const plan = phasesPlan({
      phases: [
        { name: 'p1', duration: '10s', users: 4, spawnRate: 2, thinkTime: { mean: '4s', cv: 0 } },
        { name: 'p2', duration: '10s', users: 10, spawnRate: 4, thinkTime: { mean: '4s', cv: 0 } },
        { name: 'p3', duration: '10s', users: 2, spawnRate: 1, thinkTime: { mean: '4s', cv: 0 } },
      ],
      onOff: false,
      session: false,
    });

    // Act
    const h = await run(plan);

    // Assess: each user's first task
    const first = new Map<number, number>();
    for (const c of h.http.calls) if (!first.has(userOf(c, 10))) first.set(userOf(c, 10), c.at);
    expect([...first.entries()].sort(([x], [y]) => x - y)).toEqual([
      [0, 0], [1, 500], [2, 1000], [3, 1500],
      [4, 10_000], [5, 10_250], [6, 10_500], [7, 10_750], [8, 11_000], [9, 11_250],
    ]);
    // user 1 keeps its own pace across the switch (1 / 4.5 / 8.5 / 12.5 s ...), not respawned at 10 s
    expect(h.http.calls.filter((c) => userOf(c, 10) === 1).map((c) => c.at).slice(0, 4)).toEqual([500, 4500, 8500, 12_500]);
    // in p3 only users 0 and 1 run tasks
    expect(new Set(h.http.calls.filter((c) => c.at >= 20_000).map((c) => userOf(c, 10)))).toEqual(new Set([0, 1]));
    // spawnTime agrees with the timeline
    if (plan.load.model !== 'phases') throw new Error('not a phases plan');
    const clock = phaseClock(plan.load, 0);
    expect([spawnTime(3, 0, plan.load, clock), spawnTime(3, 1, plan.load, clock), spawnTime(9, 1, plan.load, clock)]).toEqual([1500, Number.NEGATIVE_INFINITY, 11_250]);
  });

  it('realises the gamma think time: mean within 5% and cv within 10% of the plan, divided by the arrival rate', async () => {
    // Prepare: one always-ON user, endless session, instant answers; ~2500 think times per phase
    const plan = phasesPlan({
      phases: [
        { name: 'slow', duration: '2500s', users: 1, thinkTime: { mean: '1s', cv: 0.5 } },
        { name: 'fast', duration: '1250s', users: 1, arrivalRate: 2, thinkTime: { mean: '1s', cv: 0.5 } },
      ],
      onOff: false,
      session: false,
    });

    // Act
    const h = await run(plan);

    // Assess
    const [slow, fast] = gapsOf(h.http.calls, (t) => (t < 2_500_000 ? 0 : 1)) as [number[], number[]];
    expect(slow.length).toBeGreaterThan(2000);
    expect(fast.length).toBeGreaterThan(2000);
    expect(Math.abs(mean(slow) / 1000 - 1)).toBeLessThan(0.05);
    expect(Math.abs(cv(slow) / 0.5 - 1)).toBeLessThan(0.1);
    expect(Math.abs(mean(fast) / 500 - 1)).toBeLessThan(0.05);
    expect(Math.abs(cv(fast) / 0.5 - 1)).toBeLessThan(0.1);
  });

  it('realises each phase\'s task weights: chi-square below the 0.1% critical value, every share within 4 standard errors', async () => {
    // Prepare
    const weights = [{ a: 6, b: 3, c: 1 }, { a: 1, b: 1, c: 2 }];
    const plan = phasesPlan({
      phases: weights.map((w, i) => ({ name: `phase${i}`, duration: '100s', users: 10, spawnRate: 100, weights: w, thinkTime: { mean: 100, cv: 0.5 } })),
      onOff: false,
      session: false,
    });

    // Act
    const h = await run(plan);

    // Assess: from the recorder's per-phase task counts
    const phases = h.recorder.result(h.clock.now()).phases ?? {};
    weights.forEach((w, i) => {
      const counts = phases[`phase${i}`]?.tasks ?? {};
      const n = Object.values(counts).reduce((x, y) => x + y, 0);
      const total = Object.values(w).reduce((x, y) => x + y, 0);
      expect(n).toBeGreaterThan(8000);
      let chi2 = 0;
      for (const [task, weight] of Object.entries(w)) {
        const p = weight / total;
        const observed = counts[task] ?? 0;
        chi2 += (observed - n * p) ** 2 / (n * p);
        expect(Math.abs(observed / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
      }
      expect(chi2).toBeLessThan(13.82); // chi-square, 2 degrees of freedom, p = 0.001
    });
  });

  it('realises gamma ON and OFF periods (seen as runs of calls 5 ms apart and the gaps between them): means within 5%, cv within 10%', async () => {
    // Prepare: a constant 5 ms think time makes ON periods visible; OFF gap = 5 ms think + OFF draw
    const think = 5;
    const plan = phasesPlan({
      phases: [{ name: 'only', duration: '1200s', users: 1, thinkTime: { mean: think, cv: 0 } }],
      onOff: { on: { mean: 300, cv: 0.5 }, off: { mean: 200, cv: 0.5 } },
      session: false,
    });

    // Act
    const h = await run(plan);

    // Assess
    const times = h.http.calls.map((c) => c.at);
    const on: number[] = [];
    const off: number[] = [];
    let start = times[0] as number;
    for (let k = 1; k < times.length; k++) {
      const gap = (times[k] as number) - (times[k - 1] as number);
      if (gap > think + 1e-6) {
        on.push((times[k - 1] as number) + think - start);
        off.push(gap - think);
        start = times[k] as number;
      }
    }
    expect(on.length).toBeGreaterThan(2000);
    // an ON period of length X holds ceil(X / 5) calls, so it is seen rounded up to 5 ms: X + 2.5 ms on average
    expect(Math.abs((mean(on) - think / 2) / 300 - 1)).toBeLessThan(0.05);
    expect(Math.abs(cv(on) / 0.5 - 1)).toBeLessThan(0.1);
    expect(Math.abs(mean(off) / 200 - 1)).toBeLessThan(0.05);
    expect(Math.abs(cv(off) / 0.5 - 1)).toBeLessThan(0.1);
  });

  it('stamps every request with a valid W3C traceparent and the plan\'s baggage', async () => {
    // Prepare
    const plan = customPlan({
      requests: TASK_REQUESTS, tasks: { a: [{ request: 'a' }, { request: 'b' }] }, payloads: { fields: {} },
      target: { baseUrl: 'http://127.0.0.1:8080', retry: { max: 0 }, circuitBreaker: false, propagation: { baggage: { synthetic_request: 'true' } } },
      load: { model: 'phases', phases: [{ name: 'only', duration: '10s', users: 3, thinkTime: { mean: 200, cv: 0.5 } }], onOff: false, session: false },
    });
    const h = engineHarness(plan, { deadline: Number.POSITIVE_INFINITY });
    h.http.on('GET', '/a', { status: 200 }).on('GET', '/b', { status: 200 });
    const propagation = new TracePropagation(plan.seed, plan.target.propagation?.baggage ?? {});
    const executor = new RequestExecutor({ http: h.http, clock: h.clock, events: h.events, guard: h.guard, breaker: false, propagation });
    const unit = planUnits(plan, 'run-1', h.compiled.payloads, 0).units[0] as PhasesUnit;

    // Act
    await drive(h.clock, runPhases(unit, { ...h.env, executor, propagation }, plan.load as Extract<Plan['load'], { model: 'phases' }>, h.compiled.tasks));

    // Assess
    expect(h.http.calls.length).toBeGreaterThan(100);
    const parts = h.http.calls.map((c) => /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(c.headers.traceparent ?? ''));
    expect(parts.every((m) => m !== null && !/^0+$/.test(m[1]!) && !/^0+$/.test(m[2]!))).toBe(true);
    expect(h.http.calls.every((c) => (c.headers.baggage ?? '').split(',').includes('synthetic_request=true'))).toBe(true);
    // one trace per task (a then b share it), a new span per request
    const a = h.http.calls.filter((c) => taskOf(c) === 'a');
    const trace = (c: RecordedCall): string => (c.headers.traceparent ?? '').split('-')[1] ?? '';
    for (const call of a) {
      const next = h.http.calls.find((c) => taskOf(c) === 'b' && c.url.endsWith(`i=${new URL(call.url).searchParams.get('i')}`));
      expect(next && trace(next)).toBe(trace(call));
      expect(next?.headers.traceparent).not.toBe(call.headers.traceparent);
    }
    expect(new Set(a.map(trace)).size).toBe(a.length);
  });

  it('is deterministic: the same seed gives the same timeline, another seed another one', async () => {
    // Prepare
    const load = {
      phases: [
        { name: 'baseline', duration: '5s', users: 4, weights: { a: 3, b: 1 }, thinkTime: { mean: 200, cv: 0.7 } },
        { name: 'intervention', duration: '5s', users: 6, weights: { b: 1, c: 1 }, thinkTime: { mean: 200, cv: 0.7 } },
      ],
      onOff: { on: { mean: 1000, cv: 0.5 }, off: { mean: 500, cv: 0.5 } },
      session: { mean: 8, cv: 0.5 },
    };

    // Act
    const [one, two, other] = await Promise.all([run(phasesPlan(load, 3)), run(phasesPlan(load, 3)), run(phasesPlan(load, 4))]);

    // Assess
    expect(one.http.timeline().length).toBeGreaterThan(50);
    expect(two.http.timeline()).toEqual(one.http.timeline());
    expect(other.http.timeline()).not.toEqual(one.http.timeline());
  });
});
