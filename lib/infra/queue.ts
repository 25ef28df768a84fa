/**
 * Work distribution: the SQS queue that carries work units to the workers, its dead-letter queue,
 * and an alarm on anything reaching the DLQ (a unit that failed `maxReceiveCount` times is a fleet bug
 * or a target problem someone should look at).
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Visibility timeout = this many worker timeouts, as AWS recommends for Lambda SQS consumers. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** Properties of {@link UnitQueue}. */
export interface UnitQueueProps {
  /** Worker function timeout, from which the visibility timeout is derived. */
  readonly workerTimeoutSeconds: number;
  /** Receives before a unit moves to the DLQ. */
  readonly maxReceiveCount: number;
  /** If set, DLQ alarms notify this address through an encrypted SNS topic. */
  readonly alarmEmail?: string | undefined;
}

/** The unit queue, its DLQ, and the DLQ alarm. */
export class UnitQueue extends Construct {
  /** Queue the dispatcher, sweeper and workers send units to; the worker consumes it. */
  readonly queue: Queue;
  /** Units that failed `maxReceiveCount` times. */
  readonly deadLetterQueue: Queue;
  /** Fires when at least one message is visible on the DLQ. */
  readonly dlqAlarm: Alarm;
  /** Alarm topic, only when an alarm email is configured. */
  readonly alarmTopic?: Topic;

  constructor(scope: Construct, id: string, props: UnitQueueProps) {
    super(scope, id);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Longer than the source retention so a dead-lettered unit never expires before someone can redrive it.
      retentionPeriod: Duration.days(14),
    });

    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      // A unit must stay invisible while a worker may still be running it, retries included (AWS: >= 6x timeout);
      // otherwise a slow but healthy unit is delivered to a second worker and its traffic sent twice.
      visibilityTimeout: Duration.seconds(VISIBILITY_TIMEOUT_FACTOR * props.workerTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });

    this.dlqAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmDescription: 'Loadfleet work units reached the dead-letter queue: a worker failed them maxReceiveCount times.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      // An idle DLQ publishes no datapoints; that is the healthy case.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    if (props.alarmEmail !== undefined) {
      // The AWS-managed SNS key's policy cannot admit CloudWatch, so alarms could not publish to a topic
      // encrypted with it: a customer-managed key with a narrow grant to CloudWatch is required.
      const key = new Key(this, 'AlarmTopicKey', {
        description: 'Encrypts the loadfleet alarm topic',
        enableKeyRotation: true,
      });
      key.addToResourcePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
        }),
      );
      const topic = new Topic(this, 'AlarmTopic', { masterKey: key, enforceSSL: true });
      topic.addSubscription(new EmailSubscription(props.alarmEmail));
      this.dlqAlarm.addAlarmAction(new SnsAction(topic));
      this.alarmTopic = topic;
    }
  }
}
