import { Logger } from '@aws-lambda-powertools/logger';
import { awsClients } from '../../lib/adapters/aws/clients.ts';
import { DynamoFleetStore } from '../../lib/adapters/aws/dynamo-fleet-store.ts';
import { S3ObjectStore } from '../../lib/adapters/aws/s3-object-store.ts';
import { SqsUnitQueue } from '../../lib/adapters/aws/sqs-unit-queue.ts';
import { UndiciHttpClient } from '../../lib/adapters/http/undici-client.ts';
import { systemClock } from '../../lib/adapters/local/system-clock.ts';
import { fleetPolicy } from '../../lib/core/allowlist/allowlist.ts';
import type { HttpClient } from '../../lib/core/ports.ts';
import { fleetEnv } from '../../lib/runtime/fleet/fleet-env.ts';
import type { SecretValues } from '../../lib/runtime/fleet/secret-sources.ts';
import type { FleetServices } from '../../lib/runtime/fleet/services.ts';
import { redactLogValue } from './log-redaction.ts';

/** Everything the fleet's Lambdas share: the run table, the queue, the bucket, a clock, HTTP. */
export interface FleetDeps extends FleetServices {
  /** A new HTTP client (the caller closes it). */
  readonly http: () => HttpClient;
  /** The HTTP client workers send through; default: one keep-alive pool per warm environment. */
  readonly workerHttp?: HttpClient | undefined;
  /** The stack's secrets, read by the functions that load plans (see `withPlanSecrets`); none when absent. */
  readonly secrets?: SecretValues | undefined;
}

let cached: FleetDeps | undefined;
let sharedHttp: HttpClient | undefined;

/**
 * The deployed fleet's dependencies, built once per execution environment from the environment the
 * stack sets (a misconfigured deployment fails here, naming the variable) and reused while warm.
 * `env` is empty: a plan never reads the function's own variables (its AWS credentials among them);
 * the functions that load plans add the stack's secrets (`deployedPlanFleet` in plan-secrets.ts).
 */
export function deployedFleet(): FleetDeps {
  if (cached) return cached;
  const fleet = fleetEnv(process.env);
  const clients = awsClients();
  cached = {
    store: new DynamoFleetStore({ client: clients.dynamo, tableName: fleet.tableName }),
    queue: new SqsUnitQueue({ client: clients.sqs, queueUrl: fleet.queueUrl }),
    objects: new S3ObjectStore({ client: clients.s3, bucket: fleet.bucket }),
    fleet, env: {}, clock: systemClock,
    // Every connection's address is checked against the stack's allowlist (DNS rebinding, private ranges).
    http: () => new UndiciHttpClient({ allowlist: fleetPolicy(fleet.allowedHosts) }),
  };
  return cached;
}

/** One keep-alive HTTP pool per warm execution environment, shared by its invocations. */
export function sharedHttpClient(deps: FleetDeps): HttpClient {
  if (deps.workerHttp) return deps.workerHttp;
  sharedHttp ??= deps.http();
  return sharedHttp;
}

/**
 * The fleet's structured logger (Powertools: JSON lines with the request id and cold start). Every
 * string it prints is masked with the secrets this environment has read (see log-redaction.ts).
 */
export const logger = new Logger({ serviceName: 'loadfleet', jsonReplacerFn: redactLogValue });
