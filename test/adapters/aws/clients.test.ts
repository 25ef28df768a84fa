import { afterEach, describe, expect, it } from 'vitest';
import { awsClients } from '../../../lib/adapters/aws/clients.ts';
import type { AwsClients } from '../../../lib/adapters/aws/clients.ts';

const CREDENTIALS = { accessKeyId: 'x', secretAccessKey: 'x' };

describe('Function: awsClients', () => {
  let clients: AwsClients | undefined;
  afterEach(() => {
    clients?.dynamo.destroy();
    clients?.sqs.destroy();
    clients?.s3.destroy();
  });

  async function endpointOf(config: { endpoint?: () => Promise<{ hostname: string; port?: number | undefined }> }): Promise<string | undefined> {
    const endpoint = await config.endpoint?.();
    return endpoint && `${endpoint.hostname}:${endpoint.port}`;
  }

  it('points every client at one endpoint, with path-style S3 and a retry budget of 5', async () => {
    clients = awsClients({ endpoint: 'http://127.0.0.1:4566', region: 'eu-west-1', credentials: CREDENTIALS });
    expect(await endpointOf(clients.dynamo.config)).toBe('127.0.0.1:4566');
    expect(await endpointOf(clients.sqs.config)).toBe('127.0.0.1:4566');
    expect(clients.s3.config.forcePathStyle).toBe(true);
    expect(await clients.sqs.config.region()).toBe('eu-west-1');
    expect(await clients.dynamo.config.maxAttempts()).toBe(5);
  });

  it('takes one endpoint per service and a custom retry budget', async () => {
    clients = awsClients({ endpoint: { dynamodb: 'http://127.0.0.1:1', sqs: 'http://127.0.0.1:2', s3: 'http://127.0.0.1:2' }, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 2 });
    expect(await endpointOf(clients.dynamo.config)).toBe('127.0.0.1:1');
    expect(await endpointOf(clients.s3.config)).toBe('127.0.0.1:2');
    expect(await clients.s3.config.maxAttempts()).toBe(2);
  });

  it('drops undefined attributes when marshalling rows', () => {
    clients = awsClients({ region: 'us-east-1', credentials: CREDENTIALS });
    expect(clients.dynamo.config.translateConfig?.marshallOptions?.removeUndefinedValues).toBe(true);
    expect(clients.s3.config.forcePathStyle).toBe(false);
  });
});
