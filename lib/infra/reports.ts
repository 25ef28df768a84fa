/**
 * Report storage: one private S3 bucket holding stored plans (`plans/`, kept until deleted) and per-run
 * artefacts (`runs/<runId>/...`: worker results and the final report, expired after a retention period).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Prefix of stored plans (read by the plan step, referenced by schedules). */
export const PLANS_PREFIX = 'plans/';
/** Prefix of per-run artefacts written by workers, the sweeper and the aggregator. */
export const RUNS_PREFIX = 'runs/';

/** Properties of {@link ReportBucket}. */
export interface ReportBucketProps {
  /** Days after which objects under `runs/` expire. */
  readonly reportRetentionDays: number;
}

/** The plan and report bucket. */
export class ReportBucket extends Construct {
  /** The bucket; handlers receive its name as BUCKET_NAME. */
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: ReportBucketProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // Reports are written once per key; versions would only keep expired reports alive and billable.
      versioned: false,
      lifecycleRules: [
        { id: 'expire-run-artefacts', prefix: RUNS_PREFIX, expiration: Duration.days(props.reportRetentionDays) },
        // Workers stream results; an interrupted multipart upload would otherwise be billed forever.
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      // Stored plans and reports outlive the stack on purpose.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
