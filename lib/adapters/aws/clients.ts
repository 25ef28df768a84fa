import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Per-service endpoints, for emulators that serve one service each (dynalite: DynamoDB only). */
export interface AwsEndpoints {
  readonly dynamodb?: string | undefined;
  readonly sqs?: string | undefined;
  readonly s3?: string | undefined;
}

/** Options of `awsClients`. Leave all out in a Lambda: region and credentials come from its environment. */
export interface AwsClientOptions {
  /** One endpoint for every service (an emulator such as LocalStack), or one per service. */
  readonly endpoint?: string | AwsEndpoints | undefined;
  readonly region?: string | undefined;
  /** Static credentials or a provider; default: the SDK's chain (the Lambda role). */
  readonly credentials?: S3ClientConfig['credentials'];
  /** Calls per request, the first included, in the SDK's retry strategy (throttling, 5xx). Default 5. */
  readonly maxAttempts?: number | undefined;
}

/** The fleet's AWS clients. */
export interface AwsClients {
  readonly dynamo: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
}

/**
 * Builds the DynamoDB document client, SQS and S3 clients of the fleet adapters, configured the same
 * way (region, credentials, retry budget). Build them once per Lambda execution environment (module
 * scope), so connections are reused across invocations.
 *
 * @example
 * const clients = awsClients(); // in a Lambda
 * const local = awsClients({ endpoint: { dynamodb: 'http://127.0.0.1:4567', sqs: 'http://127.0.0.1:4566', s3: 'http://127.0.0.1:4566' }, region: 'us-east-1' });
 */
export function awsClients(options: AwsClientOptions = {}): AwsClients {
  const endpoints: AwsEndpoints = typeof options.endpoint === 'string'
    ? { dynamodb: options.endpoint, sqs: options.endpoint, s3: options.endpoint }
    : options.endpoint ?? {};
  const common = { region: options.region, credentials: options.credentials, maxAttempts: options.maxAttempts ?? 5 };
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ ...common, endpoint: endpoints.dynamodb }), {
    // Optional fields of rows are simply absent; a stray undefined must not fail a write.
    marshallOptions: { removeUndefinedValues: true },
  });
  // With an explicit endpoint the SQS client sends there, not to the host in the queue URL.
  const sqs = new SQSClient({ ...common, endpoint: endpoints.sqs });
  // Emulators serve buckets under a path (http://host:port/bucket), not as a subdomain.
  const s3 = new S3Client({ ...common, endpoint: endpoints.s3, forcePathStyle: endpoints.s3 !== undefined });
  return { dynamo, sqs, s3 };
}
