import type { Cursor } from '../engine/cursor.ts';
import { runLifecycle, startCursor } from '../engine/interpreter.ts';
import type { LifecycleEnv } from '../engine/lifecycle-env.ts';
import { sleepOrStop } from '../engine/sleep.ts';
import type { BurstUnit } from '../units.ts';
import { indexRange } from './leftovers.ts';

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
  const indices = indexRange(unit.firstIndex, unit.firstIndex + unit.count);
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
