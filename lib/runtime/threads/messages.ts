import type { AllowlistPolicy } from '../../core/allowlist/allowlist.ts';
import type { Plan } from '../../core/plan/schema.ts';
import type { UnitResult } from '../../core/recorder/types.ts';

/** What a worker thread is given when it starts: the plan and its shard of the run's units. */
export interface ThreadInit {
  readonly plan: Plan;
  readonly kind: string;
  readonly runId: string;
  /** The run's allowlist (plain data): the thread's HTTP client checks every address against it. */
  readonly allowlist: AllowlistPolicy;
  /** This thread runs units i with i mod count === index. */
  readonly shard: { readonly index: number; readonly count: number };
  /** Where the thread writes its part of the event log; undefined = no event log. */
  readonly eventsPart: string | undefined;
  /** The plan's values from the environment, masked in the thread's event part (a `Redactor` does not cross threads). */
  readonly secrets: readonly string[];
}

/** Messages from the main thread to a worker thread. */
export type ToThread = { readonly type: 'start'; readonly startAt: number } | { readonly type: 'stop'; readonly reason: string };

/** Live counters a thread reports while it runs. */
export interface ThreadProgress {
  started: number;
  lifecycles: number;
  requests: number;
  errors: number;
  unitsDone: number;
}

/** Messages from a worker thread to the main thread. */
export type FromThread =
  | { readonly type: 'ready' }
  | { readonly type: 'progress'; readonly progress: ThreadProgress }
  | { readonly type: 'done'; readonly result: UnitResult; readonly notes: readonly string[] }
  /** The thread's abort rule fired: the main thread stops every thread and fails the run with the verdict. */
  | { readonly type: 'abortRule'; readonly verdict: string }
  | { readonly type: 'failed'; readonly message: string };
