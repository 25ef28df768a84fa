/**
 * The fleet's Lambda functions: one factory that gives every function the same runtime, bundling,
 * environment, log group and tracing, and one construct holding the five control-plane functions
 * (plan, dispatch, progress, sweep, aggregate) with their least-privilege grants. The worker lives in
 * workers.ts because it also owns the queue subscription.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import type { FleetConfig } from './config.ts';
import { PLANS_PREFIX, RUNS_PREFIX } from './reports.ts';
import { allowSecrets, secretsEnvironment } from './secrets.ts';

/** Repository root: entries, package.json and the lock file are resolved from here, not from the cwd. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Names of the fleet's functions; each has an entry `lambdas/<name>.ts` exporting `handler`. */
export type FleetFunctionName = 'plan' | 'dispatch' | 'progress' | 'sweep' | 'aggregate' | 'worker';

/** The five functions the state machine calls. */
export type ControlFunctionName = Exclude<FleetFunctionName, 'worker'>;

/** ESM bundles have no `require`; some CommonJS dependencies still call it, so define one up front. */
export const ESM_REQUIRE_SHIM =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * Modules the bundles take from lambdas/shared/builtins/ (esbuild `--alias:FROM=TO`): Node built-ins
 * without an ES module import (both spellings of each name), and pako, which the bundles leave out. An
 * alias also covers `FROM/...` subpaths, so only built-ins without any are listed (`node:util` has
 * `node:util/types`, for one).
 */
export const BUNDLE_ALIASES: readonly string[] = [
  ...['http', 'process'].flatMap((name) => [`node:${name}`, name].map((from) => `${from}=./lambdas/shared/builtins/node-${name}.cjs`)),
  // hdr-histogram-js's browser fallback, never used in Node (lambdas/shared/builtins/pako.cjs says why).
  'pako=./lambdas/shared/builtins/pako.cjs',
];

/**
 * How esbuild bundles every fleet function, the worker included. `npm run bench` (bench/scenarios/bundle.ts)
 * builds lambdas/worker.ts with exactly these options, so its size and cold-start figures are the shipped
 * bundle's; the synth test checks that the bench's build and the `cdk synth` asset are byte-identical.
 * Sizes below are the worker's index.mjs, measured with esbuild 0.28.
 */
export const FLEET_BUNDLING: Readonly<BundlingOptions> = {
  format: OutputFormat.ESM,
  target: 'node24',
  minify: true,
  sourceMap: true,
  // Stack traces need only the mappings. With the sources embedded the worker's map is 7.7 MB instead of
  // 2.6 MB, and under NODE_OPTIONS=--enable-source-maps Node reads and parses it during every cold start.
  sourcesContent: false,
  // Prefer packages' ESM builds so tree-shaking works (the AWS SDK's: the worker goes from 2.40 to 2.14 MB).
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_SHIM,
  // undici's own switch for esbuild builds: leaves out its experimental Milo HTTP parser (0.17 MB of inlined
  // WebAssembly), used only when UNDICI_USE_MILO is set; requests go through llhttp either way.
  define: { esbuildDetection: 'true' },
  // esbuild keeps dependencies' imports of Node built-ins as ES module imports, and Node builds an ES module
  // namespace for each by reading every export: for node:http that loads Node's own copy of undici (its lazy
  // WebSocket getters), for node:process it computes every allowed option. These modules hand the bundle the
  // same objects without a namespace: about 12 ms off the worker's cold start; pako is left out, about 19 ms more
  // (lambdas/shared/builtins/ says why). Paths are relative to the project root, esbuild's working directory
  // (locally and in Docker alike).
  esbuildArgs: { '--alias': [...BUNDLE_ALIASES] },
  // Bundle the AWS SDK instead of using the runtime's copy: the versions pinned in package.json are the
  // ones the tests ran against, while the runtime's copy is whatever version Lambda ships in that region
  // (client-dynamodb and lib-dynamodb must also match each other). Leaving @aws-sdk/* and @smithy/* to the
  // runtime would make the bundle 0.52 MB smaller but the cold start slower, not faster: Node then loads
  // the SDK's unbundled files (npm run bench: cold import about 210 ms instead of 190 ms).
  externalModules: [],
};

/** Resources whose names every function receives in its environment. */
export interface FleetResources {
  readonly table: ITable;
  readonly queue: IQueue;
  readonly bucket: IBucket;
}

/** A fleet function together with its dedicated role and log group. */
export interface FleetFunction {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
}

/** Per-function settings for {@link createFleetFunction}. */
export interface FleetFunctionProps {
  readonly name: FleetFunctionName;
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize?: number;
  readonly environment: Record<string, string>;
  readonly logRetention: RetentionDays;
}

/**
 * Environment shared by every fleet function. Names are the handlers' contract:
 * POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, TABLE_NAME, QUEUE_URL, BUCKET_NAME,
 * ALLOWED_HOSTS (JSON array), LIMITS (JSON object), WORKER_TIMEOUT_SECONDS, START_LEAD_SECONDS, MAX_CONCURRENCY;
 * and NODE_OPTIONS=--enable-source-maps with `sourceMaps` on.
 */
export function fleetEnvironment(config: FleetConfig, resources: FleetResources): Record<string, string> {
  return {
    // The bundles always ship their source map; Node uses it for stack traces only with this flag, which
    // costs every cold start the reading of the map (see FleetConfig.sourceMaps).
    ...(config.sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
    POWERTOOLS_SERVICE_NAME: 'loadfleet',
    POWERTOOLS_METRICS_NAMESPACE: 'Loadfleet',
    TABLE_NAME: resources.table.tableName,
    QUEUE_URL: resources.queue.queueUrl,
    BUCKET_NAME: resources.bucket.bucketName,
    ALLOWED_HOSTS: JSON.stringify(config.allowedHosts),
    LIMITS: JSON.stringify(config.limits),
    WORKER_TIMEOUT_SECONDS: String(config.workerTimeoutSeconds),
    START_LEAD_SECONDS: String(config.startLeadSeconds),
    // Workers split the run's rate cap by the number that can run at once.
    MAX_CONCURRENCY: String(config.maxConcurrency),
  };
}

/**
 * Creates one fleet function with its own role (no AWS managed policy: its only log permissions are on its
 * own log group) and its own log group with retention (no LogRetention custom resource).
 */
export function createFleetFunction(scope: Construct, id: string, props: FleetFunctionProps): FleetFunction {
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    retention: props.logRetention,
    // Logs are operational, not evidence (reports are in S3); don't leave them behind on stack deletion.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role = new Role(scope, `${id}Role`, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: `loadfleet ${props.name} function`,
  });
  // What AWSLambdaBasicExecutionRole grants, narrowed to this function's log group (the group exists,
  // so no logs:CreateLogGroup).
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  const fn = new NodejsFunction(scope, id, {
    description: props.description,
    entry: `${REPO_ROOT}lambdas/${props.name}.ts`,
    handler: 'handler',
    projectRoot: REPO_ROOT,
    depsLockFilePath: `${REPO_ROOT}package-lock.json`,
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    timeout: props.timeout,
    memorySize: props.memorySize ?? 512,
    role,
    logGroup,
    tracing: Tracing.ACTIVE,
    environment: props.environment,
    bundling: FLEET_BUNDLING,
  });
  return { fn, role, logGroup };
}

/** Allows `actions` on objects under `prefix` only (S3 grant* helpers add wildcard actions we don't need). */
export function allowObjects(role: IRole, bucket: IBucket, prefix: string, actions: string[]): void {
  role.addToPrincipalPolicy(new PolicyStatement({ actions, resources: [bucket.arnForObjects(`${prefix}*`)] }));
}

/** Allows listing the bucket, restricted to keys under `prefix`. */
export function allowList(role: IRole, bucket: IBucket, prefix: string): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
    }),
  );
}

/** Properties of {@link ControlFunctions}. */
export interface ControlFunctionsProps extends FleetResources {
  readonly config: FleetConfig;
  readonly logRetention: RetentionDays;
}

/** The functions the state machine invokes, each with only the access its step needs. */
export class ControlFunctions extends Construct {
  /** Function, role and log group by function name. */
  readonly functions: Readonly<Record<ControlFunctionName, FleetFunction>>;

  constructor(scope: Construct, id: string, props: ControlFunctionsProps) {
    super(scope, id);
    const environment = fleetEnvironment(props.config, props);
    const make = (name: ControlFunctionName, title: string, description: string, timeoutSeconds: number, extra: Record<string, string> = {}) =>
      createFleetFunction(this, title, {
        name,
        description,
        timeout: Duration.seconds(timeoutSeconds),
        environment: { ...environment, ...extra },
        logRetention: props.logRetention,
      });
    // The steps that load the plan (validate and set up, clean up, verify) resolve its secrets.
    const secrets = secretsEnvironment(props.config.secrets);

    const plan = make('plan', 'Plan', 'Validates a plan against the allowlist and caps, stores the run', 60, secrets);
    const dispatch = make('dispatch', 'Dispatch', 'Enqueues the run\'s work units', 300);
    const progress = make('progress', 'Progress', 'Reports whether every unit of a run has finished', 60);
    const sweep = make('sweep', 'Sweep', 'Re-enqueues or closes units that went missing', 900, secrets);
    const aggregate = make('aggregate', 'Aggregate', 'Merges unit results into the run report', 300, secrets);
    for (const f of [plan, sweep, aggregate]) allowSecrets(f.role, this, props.config.secrets);

    // plan: record the run; read only stored plans.
    props.table.grantWriteData(plan.role);
    allowObjects(plan.role, props.bucket, PLANS_PREFIX, ['s3:GetObject']);
    // dispatch: read the run, write unit rows, send units.
    props.table.grantReadWriteData(dispatch.role);
    props.queue.grantSendMessages(dispatch.role);
    // progress: read the units, stop the run at its deadline, re-send units a worker wrote but never sent.
    props.table.grantReadWriteData(progress.role);
    props.queue.grantSendMessages(progress.role);
    // sweep: close the units no live worker holds (claims, journal, results) and upload their events.
    props.table.grantReadWriteData(sweep.role);
    allowObjects(sweep.role, props.bucket, RUNS_PREFIX, ['s3:PutObject']);
    // aggregate: read the run and unit results, mark the run DONE; read event parts, write the report under runs/.
    props.table.grantReadWriteData(aggregate.role);
    allowObjects(aggregate.role, props.bucket, RUNS_PREFIX, ['s3:GetObject', 's3:PutObject']);
    allowList(aggregate.role, props.bucket, RUNS_PREFIX);

    this.functions = { plan, dispatch, progress, sweep, aggregate };
  }
}
