/**
 * Scheduled runs: one EventBridge Scheduler schedule per configured entry, each starting the state machine
 * with `{"planKey": "<key>"}`. Schedules fire with nobody watching, so they only ever point at a stored
 * plan under `plans/`; the plan step re-checks the allowlist and caps on every start.
 */
import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ScheduleConfig } from './config.ts';

/** Properties of {@link RunSchedules}. */
export interface RunSchedulesProps {
  readonly stateMachine: IStateMachine;
  readonly schedules: readonly ScheduleConfig[];
}

/** The configured schedules and the one role they use to start executions. */
export class RunSchedules extends Construct {
  /** Schedules by configured name. */
  readonly schedules: ReadonlyMap<string, Schedule>;
  /** Role Scheduler assumes; absent when no schedule is configured. */
  readonly role?: Role;

  constructor(scope: Construct, id: string, props: RunSchedulesProps) {
    super(scope, id);
    const schedules = new Map<string, Schedule>();
    this.schedules = schedules;
    if (props.schedules.length === 0) return;

    // Scheduler's own role, trusted only by this account's schedules; the target grants it
    // states:StartExecution on this state machine and nothing else.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'EventBridge Scheduler: starts loadfleet runs from stored plans',
    });
    this.role = role;

    for (const cfg of props.schedules) {
      const schedule = new Schedule(this, cfg.name, {
        description: `loadfleet scheduled run "${cfg.name}" of ${cfg.planKey}`,
        schedule: ScheduleExpression.expression(
          cfg.expression,
          cfg.timezone === undefined ? undefined : TimeZone.of(cfg.timezone),
        ),
        // A load test should start when announced, not somewhere in a window.
        timeWindow: TimeWindow.off(),
        target: new StepFunctionsStartExecution(props.stateMachine, {
          role,
          input: ScheduleTargetInput.fromObject({ planKey: cfg.planKey }),
          // A run started more than an hour late is a surprise to the target's owners: drop it instead.
          maxEventAge: Duration.hours(1),
          retryAttempts: 2,
        }),
      });
      schedules.set(cfg.name, schedule);
    }
  }
}
