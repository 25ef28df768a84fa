/**
 * The loadfleet stack: run state, unit queue, report bucket, the six functions, the orchestrating state
 * machine, optional schedules and the dashboard, composed from one validated {@link FleetConfig}.
 *
 * cdk-nag (AwsSolutions) runs over it in bin/app.ts and in the tests; every finding we accept is
 * acknowledged here, on the narrowest construct, with the reason it is acceptable.
 */
import { CfnOutput, Stack, Validations } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct, IConstruct } from 'constructs';
import type { FleetConfig } from './config.ts';
import { FleetDashboard } from './dashboard.ts';
import { ControlFunctions } from './functions.ts';
import type { ControlFunctionName, FleetFunction, FleetFunctionName } from './functions.ts';
import { Orchestrator } from './orchestrator.ts';
import { UnitQueue } from './queue.ts';
import { PLANS_PREFIX, ReportBucket, RUNS_PREFIX } from './reports.ts';
import { RunSchedules } from './scheduler.ts';
import { RunTable } from './state-store.ts';
import { Workers } from './workers.ts';

/** Properties of {@link LoadfleetStack}. */
export interface LoadfleetStackProps extends StackProps {
  /** Validated configuration (see `parseFleetConfig` / `readFleetConfig`). */
  readonly config: FleetConfig;
  /**
   * Leave out the cdk-nag acknowledgements. Only for tests that prove each acknowledgement still matches a
   * real finding (a stale one would silently hide a future regression).
   * @default false
   */
  readonly skipNagAcknowledgements?: boolean;
}

/** One cdk-nag acknowledgement the stack applied. */
export interface NagAcknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

const XRAY_REASON =
  'X-Ray PutTraceSegments/PutTelemetryRecords do not support resource-level permissions; AWS documents Resource "*" for them.';

/** The whole fleet in one stack. */
export class LoadfleetStack extends Stack {
  readonly runTable: RunTable;
  readonly unitQueue: UnitQueue;
  readonly reports: ReportBucket;
  readonly control: ControlFunctions;
  readonly workers: Workers;
  readonly orchestrator: Orchestrator;
  readonly schedules: RunSchedules;
  readonly dashboard: FleetDashboard;
  /** Every cdk-nag acknowledgement applied, for review and tests. */
  readonly nagAcknowledgements: NagAcknowledgement[] = [];

  constructor(scope: Construct, id: string, props: LoadfleetStackProps) {
    super(scope, id, props);
    const { config } = props;
    // config.logRetentionDays was validated against CloudWatch's allowed values, which are RetentionDays' values.
    const logRetention = config.logRetentionDays as RetentionDays;

    this.runTable = new RunTable(this, 'RunState');
    this.unitQueue = new UnitQueue(this, 'Units', {
      workerTimeoutSeconds: config.workerTimeoutSeconds,
      maxReceiveCount: config.maxReceiveCount,
      alarmEmail: config.alarmEmail,
    });
    this.reports = new ReportBucket(this, 'Reports', { reportRetentionDays: config.reportRetentionDays });

    const resources = { table: this.runTable.table, queue: this.unitQueue.queue, bucket: this.reports.bucket };
    this.control = new ControlFunctions(this, 'Control', { ...resources, config, logRetention });
    this.workers = new Workers(this, 'Workers', { ...resources, config, logRetention });

    const c = this.control.functions;
    const controlFns: Record<ControlFunctionName, IFunction> = {
      plan: c.plan.fn,
      dispatch: c.dispatch.fn,
      progress: c.progress.fn,
      sweep: c.sweep.fn,
      aggregate: c.aggregate.fn,
    };
    this.orchestrator = new Orchestrator(this, 'Orchestrator', {
      functions: controlFns,
      maxDurationSeconds: config.limits.maxDurationSeconds,
      logRetention,
    });
    this.schedules = new RunSchedules(this, 'Schedules', {
      stateMachine: this.orchestrator.stateMachine,
      schedules: config.schedules,
    });
    this.dashboard = new FleetDashboard(this, 'Dashboard', {
      worker: this.workers.worker.fn,
      queue: this.unitQueue.queue,
      deadLetterQueue: this.unitQueue.deadLetterQueue,
      stateMachine: this.orchestrator.stateMachine,
    });

    new CfnOutput(this, 'StateMachineArn', { value: this.orchestrator.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ReportBucketName', { value: this.reports.bucket.bucketName });
    new CfnOutput(this, 'TableName', { value: this.runTable.table.tableName });
    new CfnOutput(this, 'QueueUrl', { value: this.unitQueue.queue.queueUrl });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboard.dashboardName });

    if (props.skipNagAcknowledgements !== true) this.acknowledgeNagFindings();
  }

  /** The six fleet functions by name. */
  get fleetFunctions(): Readonly<Record<FleetFunctionName, FleetFunction>> {
    return { ...this.control.functions, worker: this.workers.worker };
  }

  private ack(scope: IConstruct, id: string, reason: string): void {
    Validations.of(scope).acknowledge({ id, reason });
    this.nagAcknowledgements.push({ path: scope.node.path, id, reason });
  }

  /** cdk-nag's IAM5 finding id for a wildcard resource (its own flattening of CloudFormation references). */
  private iam5(resourceArn: string): string {
    return `AwsSolutions-IAM5[Resource::${flattenReference(this.resolve(resourceArn))}]`;
  }

  private acknowledgeNagFindings(): void {
    const bucket = this.reports.bucket;
    const fns = this.fleetFunctions;

    for (const f of Object.values(fns)) this.ack(f.role, 'AwsSolutions-IAM5[Resource::*]', XRAY_REASON);

    const objectWildcard = (role: IRole, prefix: string, what: string): void =>
      this.ack(
        role,
        this.iam5(bucket.arnForObjects(`${prefix}*`)),
        `Object keys are generated per run/plan, so access is granted by prefix "${prefix}" of the fleet's own bucket; ${what}.`,
      );
    objectWildcard(fns.plan.role, PLANS_PREFIX, 'the plan step only reads stored plans (s3:GetObject)');
    objectWildcard(fns.sweep.role, RUNS_PREFIX, 'the sweeper only writes results of units it gave up on (s3:PutObject)');
    objectWildcard(fns.aggregate.role, RUNS_PREFIX, 'the aggregator reads unit results and writes the report (s3:GetObject, s3:PutObject)');
    objectWildcard(fns.worker.role, RUNS_PREFIX, 'workers only write their unit results (s3:PutObject), never read');

    const sm = this.orchestrator.stateMachine;
    for (const f of Object.values(this.control.functions)) {
      this.ack(
        sm.role,
        this.iam5(`${f.fn.functionArn}:*`),
        'Added by LambdaInvoke so the state machine may invoke versions/aliases of this one function; no other function is reachable.',
      );
    }
    this.ack(
      sm.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Step Functions log delivery (logs:CreateLogDelivery, PutResourcePolicy, ...) and X-Ray tracing actions do not support resource-level permissions; AWS documents Resource "*" for both.',
    );

    this.ack(
      bucket,
      'AwsSolutions-S1',
      'Server access logs would need a second bucket per fleet; the bucket is private (BLOCK_ALL, TLS only), written only by the fleet\'s roles, and reports carry their own run provenance.',
    );
  }
}

/** Mirror of cdk-nag's flattening of a resolved CloudFormation reference into its finding text. */
function flattenReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const obj = node as Record<string, unknown>;
  if (obj['Fn::Join'] !== undefined) {
    const [delimiter, items] = obj['Fn::Join'] as [string, unknown[]];
    return items.map(flattenReference).join(delimiter);
  }
  if (obj['Fn::Sub'] !== undefined) return flattenReference(obj['Fn::Sub']);
  if (obj['Fn::GetAtt'] !== undefined) {
    const [resource, attribute] = obj['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (obj['Fn::ImportValue'] !== undefined) return flattenReference(obj['Fn::ImportValue']);
  if (obj['Ref'] !== undefined) return `<${flattenReference(obj['Ref'])}>`;
  return JSON.stringify(node);
}
