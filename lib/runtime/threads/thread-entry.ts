/**
 * The body of a loadfleet worker thread: it runs its shard of a run's units with the same local driver
 * as a single-threaded run (its own HTTP pool, its share of the caps), reports progress, and posts its
 * merged `UnitResult` back. The main thread merges the shards exactly.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CsvEventSink, NullEventSink } from '../../adapters/local/csv-event-sink.ts';
import { UndiciHttpClient } from '../../adapters/http/undici-client.ts';
import { systemClock } from '../../adapters/local/system-clock.ts';
import type { EventSink } from '../../core/ports.ts';
import { Redactor } from '../../core/redactor.ts';
import { runLocal, type LiveProgress } from '../local-driver.ts';
import type { FromThread, ThreadInit, ToThread } from './messages.ts';
import { shardPlan } from './shard.ts';

const init = workerData as ThreadInit;
const port = parentPort;
if (!port) throw new Error('thread-entry.ts runs only as a worker thread');
const post = (message: FromThread): void => port.postMessage(message);

const stop = new AbortController();
const kill = new AbortController();
let startAt: number | undefined;
const started = new Promise<void>((resolve) => {
  port.on('message', (message: ToThread) => {
    if (message.type === 'start') {
      startAt = message.startAt;
      resolve();
    } else stop.abort(new Error(message.reason));
  });
});

async function main(): Promise<void> {
  const plan = shardPlan(init.plan, init.shard.count);
  const redactor = new Redactor(init.secrets);
  const events: EventSink = init.eventsPart ? await CsvEventSink.open(init.eventsPart, redactor) : new NullEventSink();
  const http = new UndiciHttpClient({ connections: plan.target.maxConnections, allowlist: init.allowlist });
  post({ type: 'ready' });
  await started;
  let live: Readonly<LiveProgress> | undefined;
  const timer = setInterval(() => {
    if (live) post({ type: 'progress', progress: { started: live.started, lifecycles: live.lifecycles, requests: live.requests, errors: live.errors, unitsDone: live.unitsDone } });
  }, 250);
  let outcome;
  try {
    outcome = await runLocal({
      plan, kind: init.kind, runId: init.runId, clock: systemClock, http, events, stop: stop.signal, kill: kill.signal,
      shard: init.shard, startAt, skipSystemSteps: true, redactor, onStart: (progress) => (live = progress),
      onAbortRule: (verdict) => post({ type: 'abortRule', verdict }),
    });
  } finally {
    clearInterval(timer);
    // Flush the event part before saying done: the main thread terminates this thread on 'done'.
    await Promise.all([http.close(), events.close()]);
  }
  post({ type: 'done', result: outcome.result, notes: outcome.report.notes });
}

main().catch((error: unknown) => post({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
