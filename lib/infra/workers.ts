/**
 * The worker: the function that executes work units, subscribed to the unit queue. The event source
 * mapping's maximum concurrency is the fleet's infrastructure-level cap on simultaneous workers, which
 * holds whatever a plan or a bug in the planner asks for.
 */
import { Duration } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FleetConfig } from './config.ts';
import { allowObjects, createFleetFunction, fleetEnvironment } from './functions.ts';
import type { FleetFunction, FleetResources } from './functions.ts';
import { RUNS_PREFIX } from './reports.ts';
import { allowSecrets, secretsEnvironment } from './secrets.ts';

/** Properties of {@link Workers}. */
export interface WorkersProps extends FleetResources {
  readonly config: FleetConfig;
  readonly logRetention: RetentionDays;
}

/** The worker function and its queue subscription. */
export class Workers extends Construct {
  /** Worker function, role and log group. */
  readonly worker: FleetFunction;

  constructor(scope: Construct, id: string, props: WorkersProps) {
    super(scope, id);
    const { config } = props;
    this.worker = createFleetFunction(this, 'Worker', {
      name: 'worker',
      description: 'Executes work units: sends the planned traffic and records results',
      timeout: Duration.seconds(config.workerTimeoutSeconds),
      memorySize: config.workerMemoryMb,
      environment: { ...fleetEnvironment(config, props), ...secretsEnvironment(config.secrets) },
      logRetention: props.logRetention,
    });
    const { fn, role } = this.worker;

    // Run state (unit claims, counters) and continuations (a unit longer than one invocation re-enqueues
    // its remainder). Results go to S3 under runs/; the worker never reads the bucket.
    props.table.grantReadWriteData(role);
    props.queue.grantSendMessages(role);
    allowObjects(role, props.bucket, RUNS_PREFIX, ['s3:PutObject']);
    // The plan's secrets, to render its requests.
    allowSecrets(role, this, config.secrets);

    fn.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: config.batchSize,
        // One failed unit must not return its batch-mates (already sent traffic) to the queue.
        reportBatchItemFailures: true,
        maxConcurrency: config.maxConcurrency,
        // Units are time-critical (they share a common start); never hold them back to fill a batch.
        maxBatchingWindow: Duration.seconds(0),
      }),
    );
  }
}
