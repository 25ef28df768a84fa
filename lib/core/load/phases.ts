import { Rng } from '../rng.ts';
import { runLifecycle, startCursor } from '../engine/interpreter.ts';
import type { LifecycleEnv } from '../engine/lifecycle-env.ts';
import type { Program } from '../engine/program.ts';
import type { PhasesLoad } from '../plan/schema.ts';
import type { PhasesUnit } from '../units.ts';
import { gammaSampler, type Sampler } from './distributions.ts';
import { sleepOrStop } from '../engine/sleep.ts';

/** The realised schedule of a `phases` run: each phase's absolute start, and the end of the last. */
export interface PhaseClock {
  readonly starts: readonly number[];
  readonly end: number;
  /** Index of the phase running at `now` (the first before its start, the last after the end). */
  at(now: number): number;
}

/** Lays the phases end to end from `startAt`. */
export function phaseClock(spec: PhasesLoad, startAt: number): PhaseClock {
  const starts: number[] = [];
  let t = startAt;
  for (const phase of spec.phases) {
    starts.push(t);
    t += phase.duration;
  }
  return {
    starts,
    end: t,
    at(now) {
      let i = 0;
      while (i + 1 < starts.length && (starts[i + 1] as number) <= now) i++;
      return i;
    },
  };
}

/**
 * Runs a slice of the users of a `phases` run. Each user is a small state machine driven by its own
 * seeded generator: spawned at its phase's spawn rate, ON for a gamma-drawn period then OFF for
 * another, resting after a gamma-drawn session length, and between tasks thinking for a gamma-drawn
 * time (mean divided by the phase's arrival rate). Each task is picked by the phase's weights at the
 * moment it starts, so the phase switch takes effect exactly at the phase boundary. A user beyond the
 * current phase's `users` waits for a phase that wants it.
 */
export async function runPhases(unit: PhasesUnit, env: LifecycleEnv, spec: PhasesLoad, tasks: ReadonlyMap<string, Program>): Promise<void> {
  const clock = phaseClock(spec, unit.startAt);
  const mixes = spec.phases.map((phase) => {
    const entries = Object.keys(phase.weights).length > 0 ? Object.entries(phase.weights) : [...tasks.keys()].map((name) => [name, 1] as const);
    return { names: entries.map(([name]) => name), weights: entries.map(([, w]) => w), total: entries.reduce((sum, [, w]) => sum + w, 0) };
  });

  const user = async (u: number): Promise<void> => {
    const rng = Rng.derive(env.seed, 'user', u);
    const think = spec.phases.map((p) => gammaSampler({ mean: p.thinkTime.mean / p.arrivalRate, cv: p.thinkTime.cv }, rng));
    const on: Sampler | undefined = spec.onOff ? gammaSampler(spec.onOff.on, rng) : undefined;
    const off: Sampler | undefined = spec.onOff ? gammaSampler(spec.onOff.off, rng) : undefined;
    const session: Sampler | undefined = spec.session ? gammaSampler(spec.session, rng) : undefined;
    const newSession = (): number => (session ? Math.max(1, Math.round(session())) : Number.POSITIVE_INFINITY);
    let sessionLeft = newSession();
    let onUntil: number | undefined;
    let iteration = 0;
    const pause = (ms: number): Promise<boolean> => sleepOrStop(env.clock, Math.min(ms, clock.end - env.clock.now()), env.stop);

    for (;;) {
      const now = env.clock.now();
      if (now >= clock.end || env.stop.aborted) return;
      const i = now < unit.startAt ? 0 : clock.at(now);
      const phase = spec.phases[i]!;
      const next = i + 1 < clock.starts.length ? (clock.starts[i + 1] as number) : clock.end;
      if (u >= phase.users) {
        if (!(await pause(next - now))) return;
        continue;
      }
      const spawnAt = spawnTime(u, i, spec, clock);
      if (now < spawnAt) {
        if (!(await pause(spawnAt - now))) return;
        continue;
      }
      if (on && off) {
        if (onUntil === undefined) onUntil = now + on();
        else if (now >= onUntil) {
          if (!(await pause(off()))) return;
          onUntil = env.clock.now() + on();
          continue;
        }
      }
      if (sessionLeft <= 0) {
        // The session is over: the user leaves for a long OFF period, then starts a new session.
        if (!(await pause(off ? off() : think[i]!()))) return;
        sessionLeft = newSession();
        continue;
      }
      const mix = mixes[i]!;
      const task = mix.names[rng.pickIndex(mix.weights, mix.total)] as string;
      env.recorder.recordTask(phase.name, task);
      if (env.progress) env.progress.started++;
      await runLifecycle(startCursor(env.seed, iteration * unit.totalUsers + u), { ...env, program: tasks.get(task) as Program, phase: phase.name });
      iteration++;
      sessionLeft--;
      if (!(await pause(think[i]!()))) return;
    }
  };
  await Promise.all(Array.from({ length: unit.users }, (_, k) => user(unit.firstUser + k)));
}

/**
 * When user `u` joins phase `i`: at once if it was already running in the phase before; otherwise at
 * the phase's start plus its rank among the phase's new users divided by the spawn rate.
 */
export function spawnTime(u: number, i: number, spec: PhasesLoad, clock: PhaseClock): number {
  const before = i > 0 ? (spec.phases[i - 1]?.users ?? 0) : 0;
  if (i > 0 && u < before) return Number.NEGATIVE_INFINITY;
  const phase = spec.phases[i]!;
  const rank = i > 0 ? u - before : u;
  return (clock.starts[i] as number) + (rank / phase.spawnRate) * 1000;
}


