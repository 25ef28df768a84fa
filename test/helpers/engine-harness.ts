import { setImmediate as nextTurn } from 'node:timers/promises';
import { compilePlan, type CompiledPlan } from '../../lib/core/engine/compile-plan.ts';
import type { LifecycleEnv } from '../../lib/core/engine/lifecycle-env.ts';
import { RequestExecutor } from '../../lib/core/engine/request-executor.ts';
import { RunGuard } from '../../lib/core/engine/run-guard.ts';
import { PlanSchema, type Plan } from '../../lib/core/plan/schema.ts';
import type { EventSink, LifecycleEvent } from '../../lib/core/ports.ts';
import { Recorder } from '../../lib/core/recorder/recorder.ts';
import { FakeClock } from './fake-clock.ts';
import { ScriptedHttp } from './scripted-http.ts';

/** `MemoryEvents` is an `EventSink` that keeps every event, for assertions. */
export class MemoryEvents implements EventSink {
  readonly events: LifecycleEvent[] = [];
  write(event: LifecycleEvent): void {
    this.events.push(event);
  }
  async close(): Promise<void> {}
  /** Events of one type. */
  ofType(type: LifecycleEvent['type']): LifecycleEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}

/** The base URL every test plan targets (never contacted: the HTTP client is scripted). */
export const BASE_URL = 'http://127.0.0.1:8080';

/**
 * Builds a validated custom plan from the parts a test cares about. Defaults keep timing exact: no
 * retries, no circuit breaker, one payload, one batch.
 */
export function customPlan(parts: Record<string, unknown>): Plan {
  return PlanSchema.parse({
    kind: 'custom',
    name: 'test',
    seed: 7,
    target: { baseUrl: BASE_URL, retry: { max: 0, jitter: 0 }, circuitBreaker: false },
    payloads: { count: 1 },
    load: { model: 'batches', batchSize: 10, parallel: 1 },
    ...parts,
  });
}

/** Options of {@link engineHarness}. */
export interface HarnessOptions {
  readonly deferCleanup?: boolean;
  readonly maxRequests?: number;
  /** Absolute fake time after which the guard refuses new requests. */
  readonly deadline?: number;
  readonly unitId?: string;
}

/** Everything a lifecycle test needs, wired the way the local driver wires it, over fakes. */
export interface Harness {
  readonly plan: Plan;
  readonly compiled: CompiledPlan;
  readonly clock: FakeClock;
  readonly http: ScriptedHttp;
  readonly recorder: Recorder;
  readonly events: MemoryEvents;
  readonly guard: RunGuard;
  readonly executor: RequestExecutor;
  readonly kill: AbortController;
  readonly env: LifecycleEnv;
}

/**
 * Wires a compiled plan to a `FakeClock`, a `ScriptedHttp`, a `Recorder` and a `RunGuard` whose
 * signal is the soft stop (as in the local driver). Script the HTTP answers on `harness.http`.
 */
export function engineHarness(plan: Plan, opts: HarnessOptions = {}): Harness {
  const clock = new FakeClock();
  const http = new ScriptedHttp(clock);
  const compiled = compilePlan(plan);
  const recorder = new Recorder(clock.now());
  const events = new MemoryEvents();
  const guard = new RunGuard({ maxRequests: opts.maxRequests ?? plan.limits.maxRequests, deadline: opts.deadline ?? plan.limits.maxDuration });
  const executor = new RequestExecutor({ http, clock, events, guard, breaker: plan.target.circuitBreaker });
  const kill = new AbortController();
  const env: LifecycleEnv = {
    program: compiled.program, payloads: compiled.payloads, runId: 'run-1', unitId: opts.unitId ?? 'b0001', seed: plan.seed, clock,
    executor, recorder, events, terminal: compiled.terminal, stop: guard.signal, kill: kill.signal, deferCleanup: opts.deferCleanup ?? false,
  };
  return { plan, compiled, clock, http, recorder, events, guard, executor, kill, env };
}

/**
 * Runs the fake clock until `work` settles and returns its value. Fails fast (instead of hanging) when
 * `work` is still pending with no timer left to fire.
 */
export async function runToEnd<T>(clock: FakeClock, work: Promise<T>): Promise<T> {
  let settled = false;
  const watched = work.finally(() => {
    settled = true;
  });
  for (let round = 0; round < 1000 && !settled; round++) {
    await clock.runAll();
    await nextTurn();
    if (!settled && clock.pending() === 0) throw new Error('runToEnd: work is stuck with no timer pending');
  }
  return watched;
}

/** An event sink that throws on its n-th write (a closed events.csv): a fault, not target behaviour. */
export class FailingEvents implements EventSink {
  private writes = 0;
  constructor(private readonly failAt: number, readonly error = new Error('events.csv is closed')) {}

  write(_event: LifecycleEvent): void {
    if (++this.writes === this.failAt) throw this.error;
  }

  async close(): Promise<void> {}
}
