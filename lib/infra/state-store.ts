/**
 * Run state: one DynamoDB table holding run rows, unit rows and counters, keyed by generic `pk`/`sk`
 * so the handlers choose the item layout (e.g. `RUN#<id>` / `UNIT#<n>`) without a schema migration.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** Name of the TTL attribute (epoch seconds) that lets DynamoDB drop per-run items after a run ages out. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** The run state table. */
export class RunTable extends Construct {
  /** The table; handlers receive its name as TABLE_NAME. */
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      // Load runs are bursty and rare: on-demand costs nothing between runs and never throttles on provisioning.
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      encryption: TableEncryption.AWS_MANAGED,
      // Run history is evidence of what was sent to whom; keep it if the stack is deleted.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
