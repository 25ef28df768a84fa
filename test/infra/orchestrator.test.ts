// The run state machine: its ASL shape read back from the template, then the same ASL executed offline
// with aws-local-stepfunctions (Task Resources are plain function ARNs, which it supports).
import { ExecutionError, StateMachine as LocalStateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { LAMBDA_SERVICE_RETRY, TASK_STATE_FUNCTIONS, taskStateFunctions } from '../../lib/infra/orchestrator.ts';
import type { TaskStateName } from '../../lib/infra/orchestrator.ts';
import { build, fakeArn, logicalId, stateMachineDefinition } from './fixtures.ts';

type JSONValue = Parameters<LocalStateMachine['run']>[0];

const SERVICE_RETRY = {
  ErrorEquals: [
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
  ],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
};

describe('orchestrator definition', () => {
  const built = build({ limits: { maxDurationSeconds: 1800 } });
  const asl = stateMachineDefinition(built);
  const s = asl.States;

  it('is a STANDARD machine with tracing, ALL logs to its own group, timeout = maxDuration + 2 h', () => {
    built.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [
          {
            CloudWatchLogsLogGroup: {
              LogGroupArn: { 'Fn::GetAtt': [logicalId(built, built.stack.orchestrator.logGroup), 'Arn'] },
            },
          },
        ],
      },
    });
    expect(asl.TimeoutSeconds).toBe(1800 + 7200);
  });

  it('has exactly the documented states', () => {
    expect(asl.StartAt).toBe('Plan');
    expect(Object.keys(s).sort()).toEqual(
      [
        'Plan', 'PlanRejected', 'Dispatch', 'WaitForStart', 'CheckProgress', 'IsFinished', 'WaitBeforeCheck',
        'Sweep', 'IsSwept', 'WaitBeforeSweep', 'Aggregate', 'DidPass', 'Passed', 'RunAborted', 'ExpectationsFailed',
      ].sort(),
    );
  });

  it('each Task invokes its function by ARN with the whole state in and out', () => {
    const mapping = taskStateFunctions(built.stack.control.functions);
    expect(mapping.map((m) => m.stateName).sort()).toEqual(Object.keys(TASK_STATE_FUNCTIONS).sort());
    for (const { stateName, fn } of mapping) {
      const state = s[stateName]!;
      expect(state.Type).toBe('Task');
      expect(state.Resource).toBe(fakeArn(logicalId(built, fn.fn)));
      expect([state.Parameters, state.ResultPath, state.OutputPath, state.InputPath]).toEqual([
        undefined, undefined, undefined, undefined,
      ]);
    }
    expect(Object.values(s).filter((x) => x.Type === 'Task')).toHaveLength(5);
  });

  it('every Task retries transient Lambda service errors', () => {
    expect(LAMBDA_SERVICE_RETRY.maxAttempts).toBe(6);
    for (const name of Object.keys(TASK_STATE_FUNCTIONS) as TaskStateName[]) {
      expect(s[name]!.Retry?.[0]).toEqual(SERVICE_RETRY);
    }
    for (const name of ['Plan', 'CheckProgress', 'Sweep', 'Aggregate'] as const) expect(s[name]!.Retry).toHaveLength(1);
  });

  it('Plan: InvalidPlan is caught into PlanRejected, which fails with the cause', () => {
    expect(s.Plan!.Catch).toEqual([{ ErrorEquals: ['InvalidPlan'], Next: 'PlanRejected' }]);
    expect(s.Plan!.Next).toBe('Dispatch');
    expect(s.PlanRejected).toEqual({ Type: 'Fail', Error: 'InvalidPlan', CausePath: '$.Cause' });
  });

  it('Dispatch retries DispatchIncomplete, then waits for the common start', () => {
    expect(s.Dispatch!.Retry).toEqual([
      SERVICE_RETRY,
      { ErrorEquals: ['DispatchIncomplete'], IntervalSeconds: 2, MaxAttempts: 5, BackoffRate: 2 },
    ]);
    expect(s.Dispatch!.Next).toBe('WaitForStart');
    expect(s.WaitForStart).toEqual({ Type: 'Wait', TimestampPath: '$.startAt', Next: 'CheckProgress' });
  });

  it('polls progress until finished, then sweeps until swept', () => {
    expect(s.CheckProgress!.Next).toBe('IsFinished');
    expect(s.IsFinished).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.finished', BooleanEquals: true, Next: 'Sweep' }],
      Default: 'WaitBeforeCheck',
    });
    expect(s.WaitBeforeCheck).toEqual({ Type: 'Wait', SecondsPath: '$.pollSeconds', Next: 'CheckProgress' });
    expect(s.Sweep!.Next).toBe('IsSwept');
    expect(s.IsSwept).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.swept', BooleanEquals: true, Next: 'Aggregate' }],
      Default: 'WaitBeforeSweep',
    });
    expect(s.WaitBeforeSweep).toEqual({ Type: 'Wait', SecondsPath: '$.pollSeconds', Next: 'Sweep' });
  });

  it('ends on the aggregate status', () => {
    expect(s.Aggregate!.Next).toBe('DidPass');
    expect(s.DidPass).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.status', StringEquals: 'completed', Next: 'Passed' },
        { Variable: '$.status', StringEquals: 'aborted', Next: 'RunAborted' },
      ],
      Default: 'ExpectationsFailed',
    });
    expect(s.Passed).toEqual({ Type: 'Succeed' });
    expect(s.RunAborted).toMatchObject({ Type: 'Fail', Error: 'RunAborted' });
    expect(s.ExpectationsFailed).toMatchObject({ Type: 'Fail', Error: 'ExpectationsFailed' });
  });

  it('the state machine role may invoke exactly the five control functions', () => {
    const invoke = new Set<string>();
    for (const p of Object.values(built.template.findResources('AWS::IAM::Policy'))) {
      for (const st of p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[]) {
        if (st.Action === 'lambda:InvokeFunction') {
          for (const r of st.Resource as Record<string, unknown>[]) {
            const getAtt = (r['Fn::GetAtt'] ?? (r['Fn::Join'] as [string, Record<string, string[]>[]])[1][0]!['Fn::GetAtt']) as string[];
            invoke.add(getAtt[0]!);
          }
        }
      }
    }
    expect([...invoke].sort()).toEqual(
      Object.values(built.stack.control.functions).map((f) => logicalId(built, f.fn)).sort(),
    );
  });
});

describe('orchestrator ASL runs offline', () => {
  const asl = stateMachineDefinition(build());
  const NO_WAIT = { WaitForStart: 0, WaitBeforeCheck: 0, WaitBeforeSweep: 0 };

  type State = Record<string, JSONValue>;
  const named = (name: string, message: string): Error => Object.assign(new Error(message), { name });

  function run(handlers: Partial<Record<TaskStateName, (s: State) => Promise<JSONValue>>>, input: JSONValue = { planKey: 'plans/a.json' }) {
    const calls: string[] = [];
    const wrapped = Object.fromEntries(
      (Object.keys(TASK_STATE_FUNCTIONS) as TaskStateName[]).map((name) => [
        name,
        async (state: JSONValue) => {
          calls.push(name);
          const h = handlers[name] ?? (async (x: State) => x);
          return h(state as State);
        },
      ]),
    );
    const sm = new LocalStateMachine(asl as never);
    const execution = sm.run(input, {
      overrides: { taskResourceLocalHandlers: wrapped, waitTimeOverrides: NO_WAIT, retryIntervalOverrides: { Dispatch: 0 } },
    });
    return { result: execution.result, calls };
  }

  const startState = { runId: 'r-1', startAt: '2030-01-01T00:00:00Z', pollSeconds: 10 };

  it('happy path: plan, dispatch, poll twice, sweep twice, aggregate, pass', async () => {
    let checks = 0;
    let sweeps = 0;
    const { result, calls } = run({
      Plan: async () => startState,
      CheckProgress: async (st) => ({ ...st, finished: ++checks >= 2 }),
      Sweep: async (st) => ({ ...st, swept: ++sweeps >= 2 }),
      Aggregate: async (st) => ({ runId: st['runId']!, status: 'completed', reportUri: 's3://b/runs/r-1/report.json', summary: {} }),
    });
    await expect(result).resolves.toEqual({ runId: 'r-1', status: 'completed', reportUri: 's3://b/runs/r-1/report.json', summary: {} });
    expect(calls).toEqual(['Plan', 'Dispatch', 'CheckProgress', 'CheckProgress', 'Sweep', 'Sweep', 'Aggregate']);
  });

  it('InvalidPlan fails the execution as InvalidPlan with the handler\'s message as cause', async () => {
    const { result, calls } = run({ Plan: async () => { throw named('InvalidPlan', 'host evil.example.com is not allowed'); } });
    const err = await result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecutionError);
    expect((err as ExecutionError).cause).toMatchObject({ name: 'InvalidPlan', message: 'host evil.example.com is not allowed' });
    expect(calls).toEqual(['Plan']);
  });

  it('DispatchIncomplete is retried, then the run proceeds', async () => {
    let attempts = 0;
    const { result, calls } = run({
      Plan: async () => startState,
      Dispatch: async (st) => {
        if (++attempts < 3) throw named('DispatchIncomplete', 'page 2 of 5');
        return st;
      },
      CheckProgress: async (st) => ({ ...st, finished: true }),
      Sweep: async (st) => ({ ...st, swept: true }),
      Aggregate: async () => ({ runId: 'r-1', status: 'completed', reportUri: 'x', summary: {} }),
    });
    await expect(result).resolves.toMatchObject({ status: 'completed' });
    expect(calls.filter((c) => c === 'Dispatch')).toHaveLength(3);
  });

  it.each([
    ['aborted', 'RunAborted'],
    ['failed', 'ExpectationsFailed'],
  ])('status %s fails the execution as %s', async (status, error) => {
    const { result } = run({
      Plan: async () => startState,
      CheckProgress: async (st) => ({ ...st, finished: true }),
      Sweep: async (st) => ({ ...st, swept: true }),
      Aggregate: async () => ({ runId: 'r-1', status, reportUri: 'x', summary: {} }),
    });
    const err = await result.catch((e: unknown) => e);
    expect((err as ExecutionError).cause).toMatchObject({ name: error });
  });
});
