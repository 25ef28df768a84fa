import type { Clock, EventSink } from '../ports.ts';
import type { PayloadSource } from '../payloads.ts';
import type { Recorder } from '../recorder/recorder.ts';
import type { Cursor } from './cursor.ts';
import type { LifecycleJournal } from './journal.ts';
import type { Program } from './program.ts';
import type { RequestExecutor } from './request-executor.ts';
import type { TracePropagation } from './trace-headers.ts';

/** Everything a lifecycle needs to run, shared by the lifecycles of one unit. */
export interface LifecycleEnv {
  readonly program: Program;
  readonly payloads: Pick<PayloadSource, 'get' | 'keyOf'>;
  readonly runId: string;
  readonly unitId: string;
  readonly seed: number;
  readonly clock: Clock;
  readonly executor: RequestExecutor;
  readonly recorder: Recorder;
  readonly events: EventSink;
  /** Entity states that end a lifecycle's entity; undefined = no entity tracking. */
  readonly terminal: ReadonlySet<string> | undefined;
  /** Soft stop: start nothing new, abort bodies, expedite cleanup waits. */
  readonly stop: AbortSignal;
  /** Hard stop: abort everything, cleanup included. */
  readonly kill: AbortSignal;
  /**
   * When true, a lifecycle whose body has ended returns its cursor instead of running the cleanup
   * inline, so the caller can run the cleanup off the batch's sequential path (or later, elsewhere).
   */
  readonly deferCleanup: boolean;
  /** Gives each lifecycle its trace when the plan propagates trace context. */
  readonly propagation?: TracePropagation | undefined;
  /** Values captured by the plan's setup steps: every lifecycle (and verify) starts with them. */
  readonly sharedVars?: Readonly<Record<string, unknown>> | undefined;
  /** Record each lifecycle's actual first send time (the burst model's start skew). */
  readonly measureStarts?: boolean | undefined;
  /** Holds each lifecycle's first request until it resolves (a burst's common start); see ExecuteOptions.gate. */
  readonly gate?: Promise<boolean> | undefined;
  /** The load phase this lifecycle runs in (`phases` model), for per-phase figures. */
  readonly phase?: string | undefined;
  /** A setup or verify run: its requests are recorded, its outcome is not a lifecycle of the load. */
  readonly system?: boolean;
  /** Live counters for progress displays: lifecycles started, and finished (cleanup included). */
  readonly progress?: { lifecycles: number; started: number } | undefined;
  /**
   * A worker running out of time (Lambda): lifecycles stop sleeping and return their cursors (with
   * `wakeAt`, the instant they would have woken) for another invocation to resume. Requests in flight
   * are never cut by it.
   */
  readonly park?: AbortSignal | undefined;
  /** Durable record of each lifecycle (plans that track an entity); unused by setup and verify runs. */
  readonly journal?: LifecycleJournal | undefined;
}

/**
 * The end of a `runLifecycle` call: finished (recorded), abandoned (the journal refused a write: another
 * worker moved the lifecycle, so nothing is recorded here), or parked with a cursor to resume.
 */
export type LifecycleStatus =
  | { readonly done: true; readonly vars: Readonly<Cursor['vars']>; readonly failure?: string | undefined; readonly abandoned?: true }
  | { readonly done: false; readonly cursor: Cursor };
