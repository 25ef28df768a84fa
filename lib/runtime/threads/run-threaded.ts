import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { compilePlan } from '../../core/engine/compile-plan.ts';
import { LoadfleetError } from '../../core/errors.ts';
import { planUnits } from '../../core/planner.ts';
import type { AllowlistPolicy } from '../../core/allowlist/allowlist.ts';
import type { Clock } from '../../core/ports.ts';
import { mergeUnitResults } from '../../core/recorder/merge.ts';
import { Redactor } from '../../core/redactor.ts';
import { ERROR_RATE_STOP_REASON } from '../../core/resilience/error-rate-window.ts';
import type { UnitResult } from '../../core/recorder/types.ts';
import { buildReport } from '../../core/report/build-report.ts';
import { EVENT_CSV_HEADER } from '../../core/report/events-csv.ts';
import type { LiveProgress, LocalRunOutcome } from '../local-driver.ts';
import type { Plan } from '../../core/plan/schema.ts';
import type { FromThread, ThreadInit, ThreadProgress, ToThread } from './messages.ts';

/** Options of `runThreaded`. */
export interface ThreadedRunOptions {
  readonly plan: Plan;
  readonly kind: string;
  readonly runId: string;
  readonly clock: Clock;
  readonly workers: number;
  /** The allowlist each thread's HTTP client checks every connection's address against. */
  readonly allowlist: AllowlistPolicy;
  /** The event log to write (the threads' parts are joined into it); undefined = none. */
  readonly eventsPath: string | undefined;
  readonly stop: AbortSignal;
  readonly kill: AbortSignal;
  readonly warnings?: readonly string[];
  /** The plan's values from the environment (`LoadedPlan.secrets`): masked in the event log, the report and errors. */
  readonly secrets?: readonly string[];
  readonly onStart?: (progress: Readonly<LiveProgress>) => void;
  /** Told the first thread's abort-rule verdict, the moment it arrives. */
  readonly onAbortRule?: ((verdict: string) => void) | undefined;
}

/** Time between every thread being ready and the common start of their units. */
const START_LEAD_MS = 100;

/**
 * `runThreaded` runs a plan's units on `workers` worker threads when one core is not enough. Each thread
 * runs its shard of the units (unit i on thread i mod N) through the ordinary local driver, with its
 * share of the caps; all threads start their units at one absolute time, sent once every thread is
 * ready. The threads' `UnitResult`s merge exactly (counts add, histograms merge), so the report is the
 * same as one thread's would be for the same work.
 */
export async function runThreaded(opts: ThreadedRunOptions): Promise<LocalRunOutcome> {
  const { plan } = opts;
  if (plan.setup.length > 0 || plan.verify.length > 0) {
    throw new LoadfleetError('WORKERS_UNSUPPORTED', 'plans with setup or verify steps run on one thread: leave out --workers');
  }
  const { planned, units } = planUnits(plan, opts.runId, compilePlan(plan).payloads, 0);
  const count = Math.max(1, Math.min(opts.workers, units.length));
  const secrets = opts.secrets ?? [];
  const redactor = new Redactor(secrets);
  const parts = Array.from({ length: count }, (_, i) => (opts.eventsPath ? `${opts.eventsPath}.part${i}` : undefined));
  const threads = parts.map((eventsPart, index) => {
    const init: ThreadInit = { plan, kind: opts.kind, runId: opts.runId, allowlist: opts.allowlist, shard: { index, count }, eventsPart, secrets };
    return new Worker(new URL('./thread-entry.ts', import.meta.url), {
      workerData: init,
      execArgv: threadExecArgv(),
      // A bounded young generation per thread: without it each thread sizes its own from the machine's
      // memory, and two threads at 100,000 lifecycles peaked at 509 MB instead of 289 MB (measured).
      resourceLimits: { maxYoungGenerationSizeMb: 24 },
    });
  });

  const progress: LiveProgress = { planned: planned ?? 0, started: 0, lifecycles: 0, requests: 0, errors: 0, unitsDone: 0, unitsPlanned: units.length };
  const perThread: ThreadProgress[] = threads.map(() => ({ started: 0, lifecycles: 0, requests: 0, errors: 0, unitsDone: 0 }));
  const sum = (key: keyof ThreadProgress): number => perThread.reduce((total, p) => total + p[key], 0);
  opts.onStart?.(progress);
  const send = (message: ToThread): void => threads.forEach((thread) => thread.postMessage(message));
  const onStop = (): void => send({ type: 'stop', reason: opts.stop.reason instanceof Error ? opts.stop.reason.message : 'stop requested' });
  const onKill = (): void => threads.forEach((thread) => void thread.terminate());
  opts.stop.addEventListener('abort', onStop, { once: true });
  opts.kill.addEventListener('abort', onKill, { once: true });

  let ready = 0;
  // Each thread judges its own attempts; the first verdict stops them all and fails the run.
  let abortedBy: string | undefined;
  const results: UnitResult[] = [];
  const notes: string[] = [];
  try {
    await Promise.all(
      threads.map(
        (thread, i) =>
          new Promise<void>((resolve, reject) => {
            thread.on('error', reject);
            let done = false;
            // A thread is terminated once it has posted its result, which exits it with code 1.
            thread.on('exit', (code) => (done || code === 0 ? resolve() : reject(new Error(`worker thread ${i} exited with code ${code}`))));
            thread.on('message', (message: FromThread) => {
              if (message.type === 'ready' && ++ready === count) send({ type: 'start', startAt: opts.clock.now() + START_LEAD_MS });
              else if (message.type === 'progress') {
                perThread[i] = message.progress;
                Object.assign(progress, { started: sum('started'), lifecycles: sum('lifecycles'), requests: sum('requests'), errors: sum('errors'), unitsDone: sum('unitsDone') });
              } else if (message.type === 'done') {
                done = true;
                results.push(message.result);
                notes.push(...message.notes.filter((note) => !notes.includes(note)));
                void thread.terminate();
              } else if (message.type === 'abortRule') {
                if (abortedBy === undefined) {
                  abortedBy = message.verdict;
                  send({ type: 'stop', reason: ERROR_RATE_STOP_REASON });
                  opts.onAbortRule?.(message.verdict);
                }
              } else if (message.type === 'failed') reject(new Error(`worker thread ${i} failed: ${redactor.text(message.message)}`));
            });
          }),
      ),
    );
  } finally {
    opts.stop.removeEventListener('abort', onStop);
    opts.kill.removeEventListener('abort', onKill);
    await Promise.all(threads.map((thread) => thread.terminate()));
  }
  if (opts.eventsPath) await joinParts(opts.eventsPath, parts as string[]);
  const result = mergeUnitResults(results);
  const report = buildReport({
    plan, kind: opts.kind, runId: opts.runId, result, planned, aborted: opts.stop.aborted, abortedBy, redactor,
    notes: [...(opts.warnings ?? []).map((w) => `warning: ${w}`), ...notes, `ran on ${count} worker threads`],
  });
  return { report, result };
}

/**
 * The thread's Node flags: the main thread's own when it runs under tsx (threads inherit its loader);
 * otherwise tsx's loader, resolved from here, so the thread can load TypeScript whatever the caller
 * (vitest, a bundler) uses.
 */
function threadExecArgv(): string[] {
  if (process.execArgv.some((arg) => arg.includes('tsx'))) return [...process.execArgv];
  return [...process.execArgv, '--import', import.meta.resolve('tsx')];
}

/** Joins the threads' event logs into one CSV (one header), then removes the parts. */
async function joinParts(path: string, parts: readonly string[]): Promise<void> {
  const out = createWriteStream(path);
  out.write(EVENT_CSV_HEADER);
  for (const part of parts) {
    let header = true;
    for await (const chunk of createReadStream(part, { encoding: 'utf8' })) {
      let text = chunk as string;
      if (header) {
        const newline = text.indexOf('\n');
        if (newline < 0) continue;
        text = text.slice(newline + 1);
        header = false;
      }
      if (!out.write(text)) await once(out, 'drain');
    }
    await rm(part, { force: true });
  }
  out.end();
  await once(out, 'close');
}
