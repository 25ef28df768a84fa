import type { Cursor } from '../engine/cursor.ts';
import { runLifecycle, startCursor, startLifecycle, type LifecycleEnv, type LifecycleStatus } from '../engine/interpreter.ts';
import type { BurstUnit, RateUnit, VusUnit } from '../units.ts';
import { recordDropped, stopReason } from './batches.ts';
import { sleepOrPark, sleepOrStop } from '../engine/sleep.ts';

/** What an open-model unit left after a park: parked lifecycles, and the unit for the starts not made. */
export interface OpenLeft<U> {
  readonly parked: Cursor[];
  /** The rest of the unit (same unitId: the caller names it), when a park left starts to make. */
  readonly next?: U | undefined;
}

/**
 * Runs one worker's share of an open arrival rate. Starts follow the schedule
 * `startAt + jitterMs + k * intervalMs` exactly; the loop wakes once per due start (or once for a group
 * of starts that fell due together, so a late wake-up catches up instead of drifting). A start whose
 * worker already has `maxInFlight` lifecycles running is dropped and counted, never delayed, and each
 * lifecycle carries its intended start so latency is measured from it. Until the first start the HTTP
 * client opens up to `maxInFlight` connections to the target (`RequestExecutor.warmTarget`). After a park (`env.park`) no
 * start is made: `next` carries starts k..count-1 at the same absolute times, and the lifecycles in
 * flight park at their next sleep (or finish) and are returned.
 *
 * The lifecycles in flight are a count, each started with `startLifecycle` (no promise per start):
 * its end callback gives back the slot (and keeps a parked cursor), the last one to end wakes the
 * final drain. A lifecycle that faults (a bug, a journal error) fails the unit: no start is made after
 * it, and the unit rejects with its error.
 */
export async function runRate(unit: RateUnit, env: LifecycleEnv): Promise<OpenLeft<RateUnit>> {
  const parked: Cursor[] = [];
  const { startAt, jitterMs, intervalMs, firstIndex, count, maxInFlight } = unit;
  let inFlight = 0;
  let fault: { error: unknown } | undefined;
  let drained: (() => void) | undefined;
  const ended = (): void => {
    if (--inFlight === 0 && drained) drained();
  };
  const onEnd = (status: LifecycleStatus): void => {
    if (!status.done) parked.push(status.cursor);
    ended();
  };
  const onError = (error: unknown): void => {
    fault ??= { error };
    ended();
    drained?.();
  };
  let k = 0;
  // The sockets the starts will need open during the lead before the first one (nothing sent on them),
  // so the first starts do not queue behind connects and meet the in-flight cap; stopped at that start.
  let warming: AbortController | undefined;
  if (startAt + jitterMs > env.clock.now()) {
    warming = new AbortController();
    void env.executor.warmTarget(maxInFlight, warming.signal);
  }
  while (k < count) {
    if (fault) throw fault.error;
    if (env.stop.aborted || env.park?.aborted) break;
    const wait = startAt + jitterMs + k * intervalMs - env.clock.now();
    if (wait > 0) {
      if (env.park === undefined) {
        // `sleepOrPark` without a park, minus its own promise: this sleep is taken once per wake-up.
        try {
          await env.clock.sleep(wait, env.stop);
        } catch {
          break;
        }
      } else if ((await sleepOrPark(env.clock, wait, env.stop, env.park)) !== 'slept') break;
      continue;
    }
    warming?.abort();
    warming = undefined;
    for (const now = env.clock.now(); k < count; k++) {
      const due = startAt + jitterMs + k * intervalMs;
      if (due > now) break;
      const index = firstIndex + k;
      if (inFlight >= maxInFlight) {
        recordDropped([index], env, 'in-flight cap reached (load.maxInFlight)');
        continue;
      }
      if (env.progress) env.progress.started++;
      inFlight++;
      startLifecycle(startCursor(env.seed, index, due), env, onEnd, onError);
    }
  }
  warming?.abort();
  let next: RateUnit | undefined;
  if (k < count) {
    // A stop drops what is left, even when a park came too: the run is ending, nobody would run it.
    if (env.stop.aborted) recordDropped(range(firstIndex + k, firstIndex + count), env, `stopped: ${stopReason(env.stop)}`);
    else next = { ...unit, startAt: startAt + k * intervalMs, firstIndex: firstIndex + k, count: count - k };
  }
  if (inFlight > 0 && !fault) await new Promise<void>((resolve) => (drained = resolve));
  if (fault) throw fault.error;
  return { parked, next };
}

/**
 * Runs virtual users (closed model): each loops the lifecycle, one after another, until the duration
 * ends; a lifecycle running at the deadline finishes (graceful stop), none starts after it. User u's
 * i-th lifecycle is number `i * totalVus + u`, so numbers are unique across every unit of the run;
 * users start at iteration `firstIteration` (a continuation's). After a park the users stop looping:
 * `next` (while the deadline has not passed) goes on from the iteration after the highest one started.
 *
 * Each user starts its next lifecycle from the previous one's end callback (`startLifecycle`, no
 * promise per lifecycle); one that ended without waiting on anything hands over through a microtask,
 * as an awaited lifecycle would, so users still take turns and the stack never grows.
 */
export async function runVus(unit: VusUnit, env: LifecycleEnv): Promise<OpenLeft<VusUnit>> {
  const deadline = unit.startAt + unit.durationMs;
  const first = unit.firstIteration ?? 0;
  const parked: Cursor[] = [];
  let highest = first - 1;
  const user = async (u: number): Promise<void> => {
    if ((await sleepOrPark(env.clock, unit.startAt - env.clock.now(), env.stop, env.park)) !== 'slept') return;
    await new Promise<void>((resolve, reject) => {
      let i = first;
      let starting = false;
      let endedEarly = false;
      const next = (): void => {
        if (!(env.clock.now() < deadline && !env.stop.aborted && !env.park?.aborted)) {
          resolve();
          return;
        }
        if (env.progress) env.progress.started++;
        highest = Math.max(highest, i);
        const index = i++ * unit.totalVus + u;
        starting = true;
        endedEarly = false;
        startLifecycle(startCursor(env.seed, index), env, onEnd, reject);
        starting = false;
        if (endedEarly) queueMicrotask(next);
      };
      const onEnd = (status: LifecycleStatus): void => {
        if (!status.done) parked.push(status.cursor);
        if (starting) endedEarly = true;
        else next();
      };
      next();
    });
  };
  await Promise.all(range(unit.firstVu, unit.firstVu + unit.vus).map(user));
  const resume = env.park?.aborted === true && !env.stop.aborted && env.clock.now() < deadline;
  return { parked, next: resume ? { ...unit, firstIteration: highest + 1 } : undefined };
}

/**
 * How long before a burst's start its connections are checked once more (the first warm-up is at the
 * unit's start): requests that reached the gate late get theirs, and sockets the target closed while
 * idle are reopened.
 */
export const BURST_REWARM_MS = 1000;

/**
 * How long before a burst's start its held requests are staged (`RequestExecutor.stageGate`): each is
 * admitted, rendered and written onto its open socket with the bytes held back, so the start only
 * flushes sockets. Enough for several thousand requests to stage (tens of microseconds each), short
 * enough that a target's idle timeout does not close a socket holding one.
 */
export const BURST_STAGE_MS = 250;

/**
 * Runs a burst slice. Every lifecycle is started at once and runs up to its first request, rendered and
 * held behind a gate; at the common absolute start the gate opens and all the requests go out in one
 * turn of the event loop. Until the start the HTTP client opens one connection per held request
 * (`RequestExecutor.warmGate`, no request sent on them, and, for ours, its send-path warm-up);
 * `BURST_STAGE_MS` before the start the held requests are staged on those sockets, bytes held back
 * (`RequestExecutor.stageGate`), so the release only flushes them (a client that cannot stage writes
 * each request at the release instead). Preparing before the start keeps the release short: the
 * report gives the measured skew (latest minus earliest send, a send being a request's release to
 * the HTTP client) across all slices.
 */
export async function runBurst(unit: BurstUnit, env: LifecycleEnv): Promise<Cursor[]> {
  const indices = range(unit.firstIndex, unit.firstIndex + unit.count);
  let open!: (released: boolean) => void;
  const gate = new Promise<boolean>((resolve) => (open = resolve));
  const burstEnv = { ...env, measureStarts: true, gate };
  const runs = indices.map((index) => runLifecycle({ ...startCursor(env.seed, index), startAt: unit.startAt }, burstEnv));
  // Warming runs until the release (or a stop), never past it; it is not awaited: the start never waits
  // for a connection (one still opening at the start takes its request once open).
  const warming = new AbortController();
  const stopWarming = (): void => warming.abort();
  env.stop.addEventListener('abort', stopWarming, { once: true });
  void env.executor.warmGate(gate, warming.signal);
  let released = true;
  const rewarmIn = unit.startAt - BURST_REWARM_MS - env.clock.now();
  if (rewarmIn > 0) {
    released = await sleepOrStop(env.clock, rewarmIn, env.stop);
    if (released) void env.executor.warmGate(gate, warming.signal);
  }
  if (released) released = await sleepOrStop(env.clock, unit.startAt - BURST_STAGE_MS - env.clock.now(), env.stop);
  // The send-path warm-up stops before the staging, which takes open sockets and needs the CPU.
  stopWarming();
  env.stop.removeEventListener('abort', stopWarming);
  if (released) {
    env.executor.stageGate(gate);
    released = await sleepOrStop(env.clock, unit.startAt - env.clock.now(), env.stop);
  }
  if (released && env.progress) env.progress.started += indices.length;
  open(released);
  const statuses = await Promise.all(runs);
  return statuses.flatMap((status) => (status.done ? [] : [status.cursor]));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

