/**
 * The run lifecycle as a Standard state machine:
 *
 *   Plan -> Dispatch -> WaitForStart -> CheckProgress <-> WaitBeforeCheck
 *        -> Sweep <-> WaitBeforeSweep -> Aggregate -> DidPass -> Passed | RunAborted | ExpectationsFailed
 *
 * States carry ids (runId, startAt, pollSeconds, flags), never data: each Lambda receives the whole state
 * and returns the whole next state, which keeps every payload far below the 256 KiB state limit and lets
 * the handlers be tested without Step Functions. Tasks use the function ARN as `Resource`
 * (payloadResponseOnly) so the same ASL runs under aws-local-stepfunctions offline.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import type { RetryProps } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { ControlFunctionName } from './functions.ts';

/** Task state name -> the fleet function it invokes. */
export const TASK_STATE_FUNCTIONS = {
  Plan: 'plan',
  Dispatch: 'dispatch',
  CheckProgress: 'progress',
  Sweep: 'sweep',
  Aggregate: 'aggregate',
} as const satisfies Record<string, ControlFunctionName>;

/** Names of the state machine's Task states. */
export type TaskStateName = keyof typeof TASK_STATE_FUNCTIONS;

/** One Task state and the function construct behind it. */
export interface TaskStateFunction<F> {
  readonly stateName: TaskStateName;
  readonly functionName: ControlFunctionName;
  readonly fn: F;
}

/**
 * Lists every Task state with the function it invokes, so tests (and offline runners) can map a state's
 * `Resource` ARN back to a function construct or a local handler.
 */
export function taskStateFunctions<F>(functions: Readonly<Record<ControlFunctionName, F>>): TaskStateFunction<F>[] {
  return (Object.entries(TASK_STATE_FUNCTIONS) as [TaskStateName, ControlFunctionName][]).map(
    ([stateName, functionName]) => ({ stateName, functionName, fn: functions[functionName] }),
  );
}

/** Transient Lambda-service failures every task retries (the function's own errors are not retried here). */
export const LAMBDA_SERVICE_RETRY: RetryProps = {
  errors: [
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
  ],
  interval: Duration.seconds(2),
  maxAttempts: 6,
  backoffRate: 2,
};

/** Margin on top of the longest allowed run for planning, lead time, sweeping and aggregation. */
export const ORCHESTRATION_MARGIN = Duration.hours(2);

/** Properties of {@link Orchestrator}. */
export interface OrchestratorProps {
  /** The control-plane functions by name. */
  readonly functions: Readonly<Record<ControlFunctionName, IFunction>>;
  /** The configured `limits.maxDurationSeconds`; the execution times out at this plus two hours. */
  readonly maxDurationSeconds: number;
  readonly logRetention: RetentionDays;
}

/** The run state machine and its log group. */
export class Orchestrator extends Construct {
  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: OrchestratorProps) {
    super(scope, id);

    const task = (stateName: TaskStateName): LambdaInvoke => {
      const t = new LambdaInvoke(this, stateName, {
        lambdaFunction: props.functions[TASK_STATE_FUNCTIONS[stateName]],
        payloadResponseOnly: true,
        // Replaced by LAMBDA_SERVICE_RETRY, which also covers throttling (TooManyRequestsException).
        retryOnServiceExceptions: false,
      });
      t.addRetry(LAMBDA_SERVICE_RETRY);
      return t;
    };

    const plan = task('Plan');
    const planRejected = new Fail(this, 'PlanRejected', { error: 'InvalidPlan', causePath: '$.Cause' });
    plan.addCatch(planRejected, { errors: ['InvalidPlan'] });

    const dispatch = task('Dispatch');
    // Dispatch enqueues in pages and may give up part-way (e.g. throttled); it is idempotent per unit,
    // so retrying resumes where it stopped.
    dispatch.addRetry({
      errors: ['DispatchIncomplete'],
      interval: Duration.seconds(2),
      maxAttempts: 5,
      backoffRate: 2,
    });

    const waitForStart = new Wait(this, 'WaitForStart', { time: WaitTime.timestampPath('$.startAt') });

    const checkProgress = task('CheckProgress');
    const waitBeforeCheck = new Wait(this, 'WaitBeforeCheck', { time: WaitTime.secondsPath('$.pollSeconds') });
    const sweep = task('Sweep');
    const waitBeforeSweep = new Wait(this, 'WaitBeforeSweep', { time: WaitTime.secondsPath('$.pollSeconds') });
    const aggregate = task('Aggregate');

    const passed = new Succeed(this, 'Passed');
    const runAborted = new Fail(this, 'RunAborted', {
      error: 'RunAborted',
      cause: 'The run was stopped before it completed; the partial report is in the run record.',
    });
    const expectationsFailed = new Fail(this, 'ExpectationsFailed', {
      error: 'ExpectationsFailed',
      cause: 'The run finished but its expectations were not met; see the report.',
    });
    const didPass = new Choice(this, 'DidPass')
      .when(Condition.stringEquals('$.status', 'completed'), passed)
      .when(Condition.stringEquals('$.status', 'aborted'), runAborted)
      .otherwise(expectationsFailed);

    aggregate.next(didPass);
    sweep.next(
      new Choice(this, 'IsSwept')
        .when(Condition.booleanEquals('$.swept', true), aggregate)
        .otherwise(waitBeforeSweep.next(sweep)),
    );
    checkProgress.next(
      new Choice(this, 'IsFinished')
        .when(Condition.booleanEquals('$.finished', true), sweep)
        .otherwise(waitBeforeCheck.next(checkProgress)),
    );
    const definition = plan.next(dispatch).next(waitForStart).next(checkProgress);

    this.logGroup = new LogGroup(this, 'Logs', {
      // The /aws/vendedlogs/ prefix keeps Step Functions log delivery off the account's
      // CloudWatch Logs resource-policy size limit.
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-orchestrator`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      // Standard: exactly-once steps and runs up to a year; a run is long and must not execute twice.
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(definition),
      // A hard stop for the orchestration even if a handler keeps reporting "not finished".
      timeout: Duration.seconds(props.maxDurationSeconds).plus(ORCHESTRATION_MARGIN),
      tracingEnabled: true,
      // States carry only ids, so full execution data is safe to log.
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: true },
    });
  }
}
