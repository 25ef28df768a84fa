// Runs an ASL definition offline with aws-local-stepfunctions: every Task goes to a local handler
// (never to AWS), Seconds/SecondsPath waits sleep a scaled time (timestamp waits sleep for real),
// Retry pauses are shortened, and the outcome is reported like DescribeExecution would.
import {
  ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine,
  type StateMachineDefinition, type StateMachineOptions,
} from 'aws-local-stepfunctions';
import { findTaskResources, forEachState, lambdaArn, type AslDefinition, type LocalTaskHandler, type TaskResource } from './definition.ts';
import { createLambdaContext } from './lambda-context.ts';

/** How long a Wait of `seconds` lasts offline: a factor on real time, or a function giving ms. */
export type WaitScale = number | ((stateName: string, seconds: number) => number);

/** Terminal status of an execution, as Step Functions names it. */
export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

/** One entry of the library's execution event log (see its docs/execution-event-logs.md). */
export interface ExecutionEvent {
  type: string;
  timestamp: number;
  state?: { name: string; type: string; input: unknown; output?: unknown };
  [field: string]: unknown;
}

/** Options for {@link runStateMachine}. */
export interface RunStateMachineOptions {
  definition: AslDefinition;
  input?: unknown;
  /** Local handlers keyed by the ARN a Task calls (see `localHandlersFor`) or by Task state name. */
  handlers: Record<string, LocalTaskHandler>;
  /** Wait scaling for `Seconds`/`SecondsPath` waits; default 0.05 (a 20 s wait lasts 1 s). */
  waitScale?: WaitScale;
  /** Pause before every Retry attempt, in ms; default 0. */
  retryIntervalMs?: number;
  /** Timeout of the Lambda `Context` handed to handlers; default 900 000 (15 min). */
  functionTimeoutMs?: number;
  /** Called for every event of the execution log, as it happens. */
  onEvent?: (event: ExecutionEvent) => void;
  /** Passed to the library's definition validator. */
  validationOptions?: StateMachineOptions['validationOptions'];
}

/** The outcome of an execution. */
export interface StateMachineRun {
  status: ExecutionStatus;
  output?: unknown;
  /** Error name of a FAILED/TIMED_OUT execution (a Fail state's `Error`, a handler error's `name`). */
  error?: string;
  /** Cause of a FAILED execution; for Lambda tasks the Lambda-shaped JSON `{errorType,errorMessage,trace}`. */
  cause?: string;
  /** Names of the states entered, in order (nested Parallel/Map states included). */
  visited: string[];
  events: ExecutionEvent[];
}

/** A running execution: await it for the outcome; `abort()` stops it (status ABORTED). */
export type StateMachineExecution = Promise<StateMachineRun> & {
  abort(): void;
  /** Live list of states entered so far. */
  readonly visited: readonly string[];
};

/** Task resource standing in for a SecondsPath/Timestamp/TimestampPath Wait, so the harness times it. */
export const SCALED_WAIT_RESOURCE = lambdaArn('offline-cloud-scaled-wait');
const MAX_TASK_TIMEOUT_S = 2_000_000; // setTimeout overflows past 2^31 ms

type Json = Parameters<StateMachine['run']>[0];
type LibHandler = (input: Json) => Promise<Json>;

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

function clone<T>(value: T): T {
  return value === undefined ? value : JSON.parse(JSON.stringify(value)) as T;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void { clearTimeout(timer); signal.removeEventListener('abort', done); resolve(); }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Re-throws a handler error the way a Lambda function error reaches Step Functions. */
function lambdaError(err: unknown): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  return named(e.name, JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: (e.stack ?? '').split('\n') }));
}

function wrapTask(stateName: string, task: TaskResource, handler: LocalTaskHandler, timeoutMs: number): LibHandler {
  return async (input) => {
    const invoke = task.integration === 'lambda:invoke';
    const payload = invoke ? (input as { Payload?: unknown }).Payload ?? {} : input;
    const context = createLambdaContext({ functionName: task.logicalId ?? stateName, timeoutMs });
    let out: unknown;
    try {
      out = await handler(clone(payload), context);
    } catch (err) {
      throw task.integration === 'other' ? err : lambdaError(err);
    }
    const result = (out === undefined ? null : clone(out)) as Json;
    if (!invoke) return result;
    return {
      ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200,
      SdkHttpMetadata: { HttpStatusCode: 200 }, SdkResponseMetadata: { RequestId: context.awsRequestId },
    };
  };
}

/**
 * Clones the definition, turning each SecondsPath/Timestamp/TimestampPath Wait into a Task the harness
 * runs: SecondsPath is scaled; a timestamp is awaited for real (an instant already past ends at once).
 */
function prepare(source: AslDefinition, scale: (state: string, seconds: number) => number, signal: AbortSignal, retryMs: number) {
  const definition = clone(source);
  const handlers: Record<string, LibHandler> = {};
  const waits: Record<string, number> = {};
  const retries: Record<string, number> = {};
  forEachState(definition, (name, state) => {
    if (state.Retry) retries[name] = retryMs;
    if (state.Type !== 'Wait') return;
    if (typeof state.Seconds === 'number') waits[name] = scale(name, state.Seconds);
    const spec = typeof state.SecondsPath === 'string' ? { 'seconds.$': state.SecondsPath }
      : typeof state.TimestampPath === 'string' ? { 'until.$': state.TimestampPath }
        : typeof state.Timestamp === 'string' ? { until: state.Timestamp } : undefined;
    if (!spec) return;
    const what = JSON.stringify(spec);
    delete state.SecondsPath;
    delete state.TimestampPath;
    delete state.Timestamp;
    Object.assign(state, { Type: 'Task', Resource: SCALED_WAIT_RESOURCE, TimeoutSeconds: MAX_TASK_TIMEOUT_S, Parameters: { ...spec, 'input.$': '$' } });
    handlers[name] = async (input) => {
      const { seconds, until, input: original } = input as { seconds?: unknown; until?: unknown; input: Json };
      const instant = typeof until === 'string' ? Date.parse(until) : Number.NaN;
      const valid = until === undefined ? Number.isInteger(seconds) && (seconds as number) >= 0 : !Number.isNaN(instant);
      if (!valid) throw named('States.Runtime', `Wait ${name} ${what}: ${JSON.stringify(until ?? seconds)} is not a non-negative integer / timestamp`);
      await sleep(until === undefined ? scale(name, seconds as number) : instant - Date.now(), signal);
      return original;
    };
  });
  return { definition, handlers, waits, retries };
}

const validated = new WeakSet<object>();

/** Validates the original definition (once per definition object when using default options). */
function validate(definition: AslDefinition, validationOptions: StateMachineOptions['validationOptions']): void {
  if (validationOptions === undefined && validated.has(definition)) return;
  new StateMachine(definition as StateMachineDefinition, { validationOptions });
  if (validationOptions === undefined) validated.add(definition);
}

function outcome(err: unknown): Omit<StateMachineRun, 'visited' | 'events'> {
  if (err instanceof ExecutionAbortedError) return { status: 'ABORTED' };
  if (err instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT', error: 'States.Timeout' };
  if (err instanceof ExecutionError && err.cause instanceof Error) {
    return { status: 'FAILED', error: err.cause.name, cause: err.cause.message };
  }
  throw err;
}

/**
 * Runs `definition` offline. Every Task must have a handler (by ARN or state name): nothing is ever
 * sent to AWS. A missing handler, or an invalid definition, throws synchronously.
 *
 * Library behaviour to know: a Task without `TimeoutSeconds` times out after 60 s (States.Timeout);
 * a rewritten Wait shows as a `Task` in `events`; `abort()` settles at once but a Task handler
 * already running is not interrupted (the execution stops after it).
 */
export function runStateMachine(options: RunStateMachineOptions): StateMachineExecution {
  const ws = options.waitScale ?? 0.05;
  const scale = typeof ws === 'number' ? (_s: string, seconds: number) => seconds * 1000 * ws : ws;
  const stop = new AbortController();
  const prepared = prepare(options.definition, scale, stop.signal, options.retryIntervalMs ?? 0);
  const localHandlers: Record<string, LibHandler> = { ...prepared.handlers };
  const missing: string[] = [];
  for (const [state, task] of Object.entries(findTaskResources(options.definition))) {
    const handler = options.handlers[state] ?? options.handlers[task.arn];
    if (handler) localHandlers[state] = wrapTask(state, task, handler, options.functionTimeoutMs ?? 900_000);
    else missing.push(`${state} -> ${task.arn}`);
  }
  if (missing.length > 0) throw new Error(`offline-cloud: no local handler for Task state(s): ${missing.join('; ')}`);

  validate(options.definition, options.validationOptions);
  // Validated once above: the library would otherwise re-validate (~100 ms) per Map item / Parallel branch.
  const machine = new StateMachine(prepared.definition as StateMachineDefinition, { validationOptions: { noValidate: true } });
  const execution = machine.run(clone(options.input ?? {}) as Json, {
    overrides: {
      taskResourceLocalHandlers: localHandlers,
      waitTimeOverrides: prepared.waits,
      retryIntervalOverrides: prepared.retries,
    },
  });
  const events: ExecutionEvent[] = [];
  const visited: string[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs as AsyncGenerator<ExecutionEvent>) {
      events.push(event);
      if (event.type === 'StateEntered' && event.state) visited.push(event.state.name);
      options.onEvent?.(event);
    }
  })();
  void collecting.catch(() => undefined); // surfaced below when the run settles normally
  const result = execution.result
    .then((output): Omit<StateMachineRun, 'visited' | 'events'> => ({ status: 'SUCCEEDED', output }), outcome)
    .finally(() => stop.abort())
    .then(async (run) => {
      await collecting;
      return { ...run, visited, events };
    });
  return Object.assign(result, {
    abort: (): void => { execution.abort(); stop.abort(); },
    visited,
  });
}
