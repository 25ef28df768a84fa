import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Context } from 'aws-lambda';
import {
  functionLogicalIds, handlersByLogicalIdPrefix, runStateMachine, stateMachineFromTemplate,
  type ExtractedStateMachine, type LocalTaskHandler,
} from '../helpers/offline-cloud/index.ts';

// Plan (payloadResponseOnly, Catch PlanError) -> Progress (lambda:invoke) -> More? -> Pause (SecondsPath) -> Progress ...
function synthesize(): object {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'OfflineCloudFixture');
  const fn = (id: string) => new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  const plan = new tasks.LambdaInvoke(stack, 'Plan', { lambdaFunction: fn('PlanFn'), payloadResponseOnly: true, resultPath: '$.plan' });
  const progress = new tasks.LambdaInvoke(stack, 'Progress', {
    lambdaFunction: fn('ProgressFn'), resultPath: '$.progress',
    resultSelector: { 'done.$': '$.Payload.done', 'failed.$': '$.Payload.failed' },
  });
  const pause = new sfn.Wait(stack, 'Pause', { time: sfn.WaitTime.secondsPath('$.plan.waitSeconds') });
  const recover = new sfn.Pass(stack, 'Recover').next(new sfn.Succeed(stack, 'Recovered'));
  plan.addCatch(recover, { errors: ['PlanError'], resultPath: '$.error' });
  const more = new sfn.Choice(stack, 'More?')
    .when(sfn.Condition.booleanEquals('$.progress.failed', true), new sfn.Fail(stack, 'Boom', { error: 'RunFailed', cause: 'progress reported failure' }))
    .when(sfn.Condition.booleanEquals('$.progress.done', true), new sfn.Succeed(stack, 'Done'))
    .otherwise(pause.next(progress));
  new sfn.StateMachine(stack, 'Orchestrator', {
    definitionBody: sfn.DefinitionBody.fromChainable(plan.next(progress).next(more)),
    timeout: Duration.minutes(5),
  });
  return Template.fromStack(stack).toJSON();
}

class PlanError extends Error {
  override name = 'PlanError';
}

let machine: ExtractedStateMachine;
let route: (handlers: { plan: LocalTaskHandler; progress: LocalTaskHandler }) => Record<string, LocalTaskHandler>;

beforeAll(() => {
  const template = synthesize();
  machine = stateMachineFromTemplate(template);
  const functions = functionLogicalIds(template);
  route = ({ plan, progress }) => handlersByLogicalIdPrefix(functions, { PlanFn: plan, ProgressFn: progress });
});

/** A Progress handler that reports done on round `rounds` (1-based), recording what it got. */
function counting(rounds: number, seen: unknown[] = []): LocalTaskHandler {
  return (payload) => {
    seen.push(payload);
    return { done: seen.length >= rounds, failed: false };
  };
}

describe('Function: runStateMachine (synthesized CDK state machine)', () => {
  describe('HAPPY PATH', () => {
    it('extracts both Lambda tasks: payloadResponseOnly as a direct ARN, the other as lambda:invoke', () => {
      expect(machine.taskResources.Plan).toMatchObject({ integration: 'lambda', logicalId: expect.stringMatching(/^PlanFn/) });
      expect(machine.taskResources.Progress).toMatchObject({ integration: 'lambda:invoke', logicalId: expect.stringMatching(/^ProgressFn/) });
    });

    it('loops Progress -> Pause until done, with scaled SecondsPath waits, then succeeds', async () => {
      // Prepare
      const seen: unknown[] = [];
      const contexts: Context[] = [];
      const plan: LocalTaskHandler = (_input, context) => { contexts.push(context); return { waitSeconds: 2 }; };
      const started = Date.now();

      // Act
      const waits: Array<[string, number]> = [];
      const run = await runStateMachine({
        definition: machine.definition, input: { runId: 'r1' }, handlers: route({ plan, progress: counting(3, seen) }),
        waitScale: (state, seconds) => { waits.push([state, seconds]); return seconds * 50; },
      });

      // Assess
      const elapsed = Date.now() - started;
      expect(run.status).toBe('SUCCEEDED');
      expect(run.visited).toEqual(['Plan', 'Progress', 'More?', 'Pause', 'Progress', 'More?', 'Pause', 'Progress', 'More?', 'Done']);
      expect(seen).toHaveLength(3);
      expect(seen[0]).toEqual({ runId: 'r1', plan: { waitSeconds: 2 } });
      expect(run.output).toEqual({ runId: 'r1', plan: { waitSeconds: 2 }, progress: { done: true, failed: false } });
      expect(waits).toEqual([['Pause', 2], ['Pause', 2]]);
      expect(elapsed).toBeGreaterThanOrEqual(190); // two waits of 2 s x 0.05
      expect(contexts[0]?.functionName).toMatch(/^PlanFn/);
      expect(contexts[0]?.getRemainingTimeInMillis()).toBeGreaterThan(800_000);
    });

    it('follows a Catch: a PlanError goes to Recover with a Lambda-shaped Cause', async () => {
      // Prepare
      const plan: LocalTaskHandler = () => { throw new PlanError('no capacity'); };

      // Act
      const run = await runStateMachine({ definition: machine.definition, input: {}, handlers: route({ plan, progress: counting(1) }) });

      // Assess
      expect(run.status).toBe('SUCCEEDED');
      expect(run.visited).toEqual(['Plan', 'Recover', 'Recovered']);
      const { error } = run.output as { error: { Error: string; Cause: string } };
      expect(error.Error).toBe('PlanError');
      expect(JSON.parse(error.Cause)).toMatchObject({ errorType: 'PlanError', errorMessage: 'no capacity' });
    });

    it('retries a Lambda service error without the real back-off pause', async () => {
      // Prepare
      let calls = 0;
      const progress: LocalTaskHandler = () => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error('throttled'), { name: 'Lambda.ServiceException' });
        return { done: true, failed: false };
      };

      // Act
      const run = await runStateMachine({ definition: machine.definition, input: {}, handlers: route({ plan: () => ({ waitSeconds: 1 }), progress }) });

      // Assess
      expect(run.status).toBe('SUCCEEDED');
      expect(calls).toBe(2);
      const failed = run.events.find((e) => e.type === 'StateFailed');
      const retried = run.events.find((e) => e.type === 'StateRetried');
      expect((retried?.timestamp ?? Infinity) - (failed?.timestamp ?? 0)).toBeLessThan(500); // the CDK retrier's own interval is 2 s
    });
  });

  describe('UNHAPPY PATH', () => {
    it('ends FAILED with the Fail state error and cause', async () => {
      // Act
      const run = await runStateMachine({
        definition: machine.definition, input: {},
        handlers: route({ plan: () => ({ waitSeconds: 1 }), progress: () => ({ done: false, failed: true }) }),
      });

      // Assess
      expect(run).toMatchObject({ status: 'FAILED', error: 'RunFailed', cause: 'progress reported failure' });
      expect(run.visited.at(-1)).toBe('Boom');
    });

    it('ends FAILED with the handler error name when an uncaught Lambda error escapes', async () => {
      // Act
      const run = await runStateMachine({
        definition: machine.definition, input: {},
        handlers: route({ plan: () => ({ waitSeconds: 1 }), progress: () => { throw new TypeError('bad payload'); } }),
      });

      // Assess
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('TypeError');
      expect(JSON.parse(run.cause ?? '{}')).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad payload' });
    });

    it('ends ABORTED when aborted during a long Wait', async () => {
      // Prepare
      const started = Date.now();
      const execution = runStateMachine({
        definition: machine.definition, input: {},
        handlers: route({ plan: () => ({ waitSeconds: 3600 }), progress: counting(5) }),
        onEvent: (event) => { if (event.type === 'StateEntered' && event.state?.name === 'Pause') execution.abort(); },
      });

      // Act
      const run = await execution;

      // Assess
      expect(run.status).toBe('ABORTED');
      expect(run.visited).toEqual(['Plan', 'Progress', 'More?', 'Pause']);
      expect(Date.now() - started).toBeLessThan(10_000); // unscaled: 3600 s x 0.05 = 180 s
    });

    it('refuses to run when a Task has no local handler, so nothing ever reaches AWS', () => {
      expect(() => runStateMachine({ definition: machine.definition, input: {}, handlers: {} })).toThrow(/no local handler for Task state\(s\): Plan/);
    });
  });
});
