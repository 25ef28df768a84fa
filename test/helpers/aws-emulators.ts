import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { startFauxqs } from 'fauxqs';
import type { FauxqsServer } from 'fauxqs';
import { awsClients } from '../../lib/adapters/aws/clients.ts';
import type { AwsClients } from '../../lib/adapters/aws/clients.ts';
import { FLEET_TABLE } from '../../lib/adapters/aws/fleet-table.ts';

/** dynalite ships no types; this is the part of its factory the helper uses. */
type DynaliteFactory = (options?: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;
const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

/** Names the emulated resources get (the deployed stack chooses its own). */
export const EMULATED = { tableName: 'loadfleet-fleet', queueName: 'loadfleet-units', dlqName: 'loadfleet-units-dlq', bucket: 'loadfleet-reports' } as const;

/** Options of `startAwsEmulators`. */
export interface AwsEmulatorOptions {
  /** Receives of a unit message before SQS moves it to the DLQ (default 3). */
  readonly maxReceiveCount?: number;
  /** Unit queue visibility timeout in seconds (default 2, so redelivery tests stay short). */
  readonly visibilityTimeoutSeconds?: number;
  /** Client retry budget (default 5, as in a Lambda). */
  readonly maxAttempts?: number;
}

/** Running loopback emulators and clients wired to them. */
export interface AwsEmulators {
  readonly clients: AwsClients;
  readonly tableName: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly bucket: string;
  /** dynalite, e.g. http://127.0.0.1:40123. */
  readonly dynamoEndpoint: string;
  /** fauxqs, serving both SQS and S3. */
  readonly sqsEndpoint: string;
  readonly fauxqs: FauxqsServer;
  /** Destroys the clients and stops both emulators. */
  stop(): Promise<void>;
}

/** Fixed dummy credentials: the emulators accept any, and real AWS would reject these. */
const CREDENTIALS = { accessKeyId: 'loadfleet-test', secretAccessKey: 'loadfleet-test' };
const REGION = 'us-east-1';

/**
 * Starts dynalite (DynamoDB, in memory) and fauxqs (SQS and S3) on ephemeral loopback ports, then
 * creates the fleet table, the unit queue with its DLQ, and the report bucket. Nothing here can reach
 * real AWS: every client has an explicit loopback endpoint and dummy credentials.
 *
 * Note: fauxqs binds 0.0.0.0 (its listen host is not configurable); clients still talk to 127.0.0.1.
 *
 * @example
 * const aws = await startAwsEmulators();
 * try { ... new DynamoFleetStore({ client: aws.clients.dynamo, tableName: aws.tableName }) ... } finally { await aws.stop(); }
 */
export async function startAwsEmulators(options: AwsEmulatorOptions = {}): Promise<AwsEmulators> {
  const dynamoServer = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dynamoServer.once('error', reject);
    dynamoServer.listen(0, '127.0.0.1', () => resolve());
  });
  let fauxqs: FauxqsServer | undefined;
  try {
    fauxqs = await startFauxqs({ port: 0, logger: false, defaultRegion: REGION });
    const dynamoEndpoint = `http://127.0.0.1:${(dynamoServer.address() as AddressInfo).port}`;
    const sqsEndpoint = `http://127.0.0.1:${fauxqs.port}`;
    const clients = awsClients({
      endpoint: { dynamodb: dynamoEndpoint, sqs: sqsEndpoint, s3: sqsEndpoint },
      region: REGION,
      credentials: CREDENTIALS,
      maxAttempts: options.maxAttempts,
    });
    await createFleetTable(clients, EMULATED.tableName);
    const dlq = fauxqs.createQueue(EMULATED.dlqName);
    const queue = fauxqs.createQueue(EMULATED.queueName, {
      attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 2),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: String(options.maxReceiveCount ?? 3) }),
      },
    });
    fauxqs.createBucket(EMULATED.bucket);
    const server = fauxqs;
    return {
      clients,
      tableName: EMULATED.tableName,
      queueUrl: queue.queueUrl,
      dlqUrl: dlq.queueUrl,
      bucket: EMULATED.bucket,
      dynamoEndpoint,
      sqsEndpoint,
      fauxqs: server,
      async stop() {
        clients.dynamo.destroy();
        clients.sqs.destroy();
        clients.s3.destroy();
        await Promise.all([server.stop(), closeServer(dynamoServer)]);
      },
    };
  } catch (error) {
    await Promise.allSettled([fauxqs?.stop(), closeServer(dynamoServer)]);
    throw error;
  }
}

/** Creates the fleet table (on-demand, `FLEET_TABLE` keys) and waits until it is ACTIVE. */
export async function createFleetTable(clients: AwsClients, tableName: string): Promise<void> {
  await clients.dynamo.send(new CreateTableCommand({
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: FLEET_TABLE.partitionKey, AttributeType: 'S' },
      { AttributeName: FLEET_TABLE.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: FLEET_TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: FLEET_TABLE.sortKey, KeyType: 'RANGE' },
    ],
  }));
  for (let i = 0; i < 500; i++) {
    const out = await clients.dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    await sleep(10);
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  // Keep-alive sockets would otherwise hold close() open until they time out.
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}
