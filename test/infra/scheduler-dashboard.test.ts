// Scheduled runs, the dashboard, and the stack outputs.
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { build, logicalId, NIGHTLY } from './fixtures.ts';

describe('RunSchedules', () => {
  it('creates nothing without configured schedules', () => {
    const { template } = build();
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    template.resourcePropertiesCountIs(
      'AWS::IAM::Role',
      { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })] } },
      0,
    );
  });

  describe('with one schedule', () => {
    const built = build({ schedules: [NIGHTLY] });
    const { template, stack } = built;
    const smRef = { Ref: logicalId(built, stack.orchestrator.stateMachine) };
    const roleId = logicalId(built, stack.schedules.role!);

    it('starts the state machine with {planKey}, in its time zone, no flexible window, bounded retries', () => {
      template.resourceCountIs('AWS::Scheduler::Schedule', 1);
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 2 * * ? *)',
        ScheduleExpressionTimezone: 'Europe/Paris',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: smRef,
          RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
          Input: Match.serializedJson({ planKey: 'plans/nightly.json' }),
          RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 2 },
        },
      });
    });

    it('its role is assumable by this account\'s Scheduler only and may only start this state machine', () => {
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Action: 'sts:AssumeRole',
              Effect: 'Allow',
              Principal: { Service: 'scheduler.amazonaws.com' },
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            },
          ],
        },
      });
      const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
        (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId),
      );
      expect(policies.map((p) => p.Properties.PolicyDocument.Statement)).toEqual([
        [{ Action: 'states:StartExecution', Effect: 'Allow', Resource: smRef }],
      ]);
    });
  });

  it('defaults the time zone to UTC and supports rate()', () => {
    const { template } = build({ schedules: [{ name: 'hourly', expression: 'rate(1 hour)', planKey: 'plans/h.json' }] });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      Target: Match.objectLike({ Input: '{"planKey":"plans/h.json"}' }),
    });
  });
});

describe('FleetDashboard', () => {
  const built = build();
  const body = (): string => {
    const dash = Object.values(built.template.findResources('AWS::CloudWatch::Dashboard'))[0];
    const parts = (dash?.Properties.DashboardBody['Fn::Join'] as [string, unknown[]])[1];
    return parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join('');
  };

  it('is named loadfleet', () => {
    built.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    built.template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'loadfleet' });
  });

  it('searches every fleet metric by {runId, workload} and per endpoint', () => {
    const text = body();
    for (const metric of ['requests', 'errors', 'lifecyclesCompleted', 'lifecyclesFailed', 'lifecyclesDropped', 'latencyP99']) {
      expect(text).toContain(`SEARCH('{Loadfleet,runId,workload} MetricName=\\"${metric}\\"'`);
    }
    for (const metric of ['requests', 'errors', 'latencyP99']) {
      expect(text).toContain(`SEARCH('{Loadfleet,runId,workload,endpoint} MetricName=\\"${metric}\\"'`);
    }
  });

  it('shows worker, queue, DLQ and state machine health', () => {
    const text = body();
    for (const m of ['"Errors"', '"Throttles"', '"Duration"', '"ConcurrentExecutions"']) expect(text).toContain(`"AWS/Lambda",${m}`);
    expect(text).toContain('"AWS/SQS","ApproximateNumberOfMessagesVisible"');
    expect(text).toContain('"AWS/SQS","ApproximateAgeOfOldestMessage"');
    expect(text).toContain(logicalId(built, built.stack.unitQueue.deadLetterQueue));
    expect(text).toContain('"AWS/States","ExecutionsFailed"');
  });
});

describe('outputs', () => {
  it('exports the names a CLI needs', () => {
    const built = build();
    const { template, stack } = built;
    template.hasOutput('StateMachineArn', { Value: { Ref: logicalId(built, stack.orchestrator.stateMachine) } });
    template.hasOutput('ReportBucketName', { Value: { Ref: logicalId(built, stack.reports.bucket) } });
    template.hasOutput('TableName', { Value: { Ref: logicalId(built, stack.runTable.table) } });
    template.hasOutput('QueueUrl', { Value: { Ref: logicalId(built, stack.unitQueue.queue) } });
    template.hasOutput('DashboardName', { Value: { Ref: logicalId(built, stack.dashboard.dashboard) } });
  });
});
