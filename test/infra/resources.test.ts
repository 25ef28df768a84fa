// Run table, unit queue + DLQ + alarm, report bucket.
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { build, logicalId } from './fixtures.ts';

const sslDeny = (resourceMatcher: unknown, principal: unknown = { AWS: '*' }) =>
  Match.objectLike({
    Effect: 'Deny',
    Principal: principal,
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    Resource: resourceMatcher,
  });

describe('RunTable', () => {
  const { template } = build();

  it('is on-demand, pk/sk strings, PITR, TTL on expiresAt, AWS-managed encryption, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ]),
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
  });
});

describe('UnitQueue', () => {
  it('visibility = 6 x worker timeout, DLQ redrive, SSE, 4-day retention', () => {
    const built = build({ workerTimeoutSeconds: 120, maxReceiveCount: 7 });
    const dlqId = logicalId(built, built.stack.unitQueue.deadLetterQueue);
    built.template.resourceCountIs('AWS::SQS::Queue', 2);
    built.template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 720,
      MessageRetentionPeriod: 4 * 86_400,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 7 },
    });
  });

  it('defaults: visibility 5400 s for a 900 s worker, maxReceiveCount 5', () => {
    const { template } = build();
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 5400,
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
    });
  });

  it('DLQ: SSE, 14-day retention (longer than the source), no redrive of its own', () => {
    const built = build();
    const dlq = built.template.findResources('AWS::SQS::Queue')[logicalId(built, built.stack.unitQueue.deadLetterQueue)];
    expect(dlq?.Properties).toEqual({ MessageRetentionPeriod: 14 * 86_400, SqsManagedSseEnabled: true });
  });

  it('both queues deny non-TLS access', () => {
    const built = build();
    for (const q of [built.stack.unitQueue.queue, built.stack.unitQueue.deadLetterQueue]) {
      const id = logicalId(built, q);
      built.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: { Statement: Match.arrayWith([sslDeny({ 'Fn::GetAtt': [id, 'Arn'] })]) },
      });
    }
  });

  it('alarms on the first DLQ message; no topic without alarmEmail', () => {
    const built = build();
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(built, built.stack.unitQueue.deadLetterQueue), 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: Match.absent(),
    });
    built.template.resourceCountIs('AWS::SNS::Topic', 0);
    built.template.resourceCountIs('AWS::KMS::Key', 0);
  });

  it('with alarmEmail: KMS-encrypted, TLS-only topic with an email subscription wired to the alarm', () => {
    const built = build({ alarmEmail: 'ops@example.com' });
    const { template } = built;
    const topicId = logicalId(built, built.stack.unitQueue.alarmTopic!);
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlarmTopicKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: { Statement: Match.arrayWith([sslDeny({ Ref: topicId }, '*')]) },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: topicId },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: topicId }] });
  });
});

describe('ReportBucket', () => {
  const built = build({ reportRetentionDays: 45 });
  const { template } = built;
  const bucketId = logicalId(built, built.stack.reports.bucket);

  it('S3-managed encryption, all public access blocked, no versioning, retained', () => {
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        VersioningConfiguration: Match.absent(),
      },
    });
  });

  it('expires only runs/ objects after reportRetentionDays', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'runs/', ExpirationInDays: 45, Status: 'Enabled' }),
        ]),
      },
    });
    const rules = template.findResources('AWS::S3::Bucket')[bucketId]?.Properties.LifecycleConfiguration.Rules as {
      ExpirationInDays?: number;
      Prefix?: string;
    }[];
    // Nothing else expires (stored plans under plans/ are kept).
    expect(rules.filter((r) => r.ExpirationInDays !== undefined)).toEqual([expect.objectContaining({ Prefix: 'runs/' })]);
  });

  it('denies non-TLS access in its bucket policy', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          sslDeny([{ 'Fn::GetAtt': [bucketId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] }]),
        ]),
      },
    });
  });
});
