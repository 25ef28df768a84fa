/**
 * Worker bundle: the worker Lambda (lambdas/worker.ts) bundled exactly as the CDK stack bundles it (the
 * stack's own `FLEET_BUNDLING`), its size and what it is made of, and its cold start in fresh Node
 * processes with the environment the stack gives the function by default: the import, the moment the
 * handler is callable, and a first invocation; and the import with the stack's other `sourceMaps` setting
 * (NODE_OPTIONS=--enable-source-maps or not), which is what that setting costs.
 */
import { mkdir, symlink } from 'node:fs/promises';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { join } from 'node:path';
import { parseFleetConfig, type FleetConfig } from '../../lib/infra/config.ts';
import { FLEET_BUNDLING, fleetEnvironment, type FleetResources } from '../../lib/infra/functions.ts';
import type { BenchContext } from '../lib/context.ts';
import { buildLambda, packageOf, type LambdaBundle } from '../lib/lambda-bundle.ts';
import type { Section, Table } from '../lib/results.ts';
import { stat, type Stat } from '../lib/stats.ts';

/** The entry the stack deploys as the worker function. */
export const WORKER_ENTRY = 'lambdas/worker.ts';

/** How many of the largest inputs become figures (and so reach the goal's limit note). */
const TOP_INPUT_FIGURES = 6;

/**
 * The environment of the deployed worker under `config` (default: the stack's defaults): what the stack
 * sets (placeholder resource names) plus what Lambda sets itself; no credentials and nothing inherited
 * from the bench (no NODE_OPTIONS of its own).
 */
export function workerEnvironment(config: FleetConfig = parseFleetConfig({})): Record<string, string> {
  const placeholders = { table: { tableName: 'loadfleet-bench' }, queue: { queueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/loadfleet-bench' }, bucket: { bucketName: 'loadfleet-bench' } };
  return {
    ...fleetEnvironment(config, placeholders as unknown as FleetResources),
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    TZ: ':UTC',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: 'loadfleet-worker-bench',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/**
 * What a fresh Node runs (argv[1] = the bundle): time the import, check `handler` is a function, invoke it
 * once with an empty SQS batch (builds the AWS clients and the HTTP pool, sends nothing), print JSON.
 * `performance.now()` counts from the process's start, so `readyMs` includes Node's own boot.
 */
const PROBE = `
const t0 = performance.now();
const mod = await import(process.argv[1]);
const ready = performance.now();
if (typeof mod.handler !== 'function') throw new Error('the bundle exports no handler function');
const context = { functionName: 'loadfleet-worker-bench', functionVersion: '$LATEST', memoryLimitInMB: '512',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:loadfleet-worker-bench', awsRequestId: 'bench',
  logGroupName: 'bench', logStreamName: 'bench', callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 900000,
  done() {}, fail() {}, succeed() {} };
const answer = await mod.handler({ Records: [] }, context);
const answered = performance.now();
if (!answer || !Array.isArray(answer.batchItemFailures)) throw new Error('unexpected answer: ' + JSON.stringify(answer));
process.stdout.write('\\n' + JSON.stringify({ importMs: ready - t0, readyMs: ready, firstInvokeMs: answered - ready }) + '\\n');
process.exit(0);
`;

interface ProbeSample {
  readonly importMs: number;
  readonly readyMs: number;
  readonly firstInvokeMs: number;
  readonly processMs: number;
}

/** One cold start of `bundle` in a fresh Node, `env` as its whole environment. */
async function probe(ctx: BenchContext, bundle: LambdaBundle, cwd: string, env: Record<string, string>): Promise<ProbeSample> {
  const run = await ctx.registry.run([...ctx.pinning.generator, process.execPath, '--input-type=module', '-e', PROBE, bundle.file], { cwd, env, timeoutMs: 30_000 });
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.code !== 0 || !last.startsWith('{')) {
    throw new Error(`cold start of the worker bundle failed (exit ${run.code ?? run.signal}): ${run.stderr.trim().split('\n').slice(0, 4).join(' / ') || '(no stderr)'}`);
  }
  return { ...(JSON.parse(last) as Omit<ProbeSample, 'processMs'>), processMs: run.wallS * 1000 };
}

const mbOf = (bytes: number): number => bytes / 1_000_000;

/** For each of the `packages` largest inputs, its largest folders: where inside it the bytes are. */
function insideLargest(bundle: LambdaBundle, packages: number): string[] {
  return bundle.inputs.slice(0, packages).map((input) => {
    const folders = new Map<string, { bytes: number; files: number }>();
    for (const file of bundle.files) {
      if (packageOf(file.name) !== input.name) continue;
      const inside = file.name.slice(file.name.lastIndexOf(input.name) + input.name.length + 1).split('/');
      const folder = inside.length > 1 ? inside.slice(0, -1).join('/') : '.';
      const f = folders.get(folder) ?? { bytes: 0, files: 0 };
      folders.set(folder, { bytes: f.bytes + file.bytes, files: f.files + 1 });
    }
    const top = [...folders].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 4);
    return `inside ${input.name} (${mbOf(input.bytes).toFixed(3)} MB): ${top.map(([folder, f]) => `${folder}/ ${mbOf(f.bytes).toFixed(3)} MB in ${f.files} file${f.files === 1 ? '' : 's'}`).join(', ')}`;
  });
}

/** Runs the bundle scenario on the stack's bundling (another `bundling` measures an alternative). */
export async function runBundle(ctx: BenchContext, bundling: Readonly<BundlingOptions> = FLEET_BUNDLING): Promise<Section> {
  const dir = join(ctx.workDir, 'worker-bundle');
  await mkdir(dir, { recursive: true });
  ctx.log(`bundle: esbuild ${WORKER_ENTRY} with ${bundling === FLEET_BUNDLING ? "the stack's FLEET_BUNDLING" : 'an alternative bundling'}`);
  const bundle = await buildLambda(ctx.root, WORKER_ENTRY, dir, bundling);
  // Modules left external come from the Lambda runtime; here they come from the repository's node_modules.
  if (bundle.externals.length > 0) await symlink(join(ctx.root, 'node_modules'), join(dir, 'node_modules'), 'dir');

  const defaults = parseFleetConfig({});
  const deployed = workerEnvironment(defaults);
  // The same worker with the stack's other `sourceMaps` setting: what NODE_OPTIONS=--enable-source-maps costs.
  const other = workerEnvironment({ ...defaults, sourceMaps: !defaults.sourceMaps });
  const nodeOptions = deployed['NODE_OPTIONS'] ?? '';
  const samples = ctx.quick ? 1 : Math.max(ctx.runs, 9);
  const asDeployed: ProbeSample[] = [];
  const otherMaps: ProbeSample[] = [];
  for (let i = 0; i < samples; i++) {
    // Interleaved, so a burst of other work on the machine hits both series alike.
    asDeployed.push(await probe(ctx, bundle, dir, deployed));
    otherMaps.push(await probe(ctx, bundle, dir, other));
  }

  const over = (series: readonly ProbeSample[], key: keyof ProbeSample): Stat | undefined => stat(series.map((s) => s[key]));
  const figures: Record<string, Stat> = {};
  const put = (name: string, value: Stat | undefined): void => {
    if (value) figures[name] = value;
  };
  put('bundleMb', stat([mbOf(bundle.bytes)]));
  put('gzipMb', stat([mbOf(bundle.gzipBytes)]));
  if (bundle.mapBytes > 0) put('sourceMapMb', stat([mbOf(bundle.mapBytes)]));
  put('coldImportMs', over(asDeployed, 'importMs'));
  put('handlerReadyMs', over(asDeployed, 'readyMs'));
  put('firstInvokeMs', over(asDeployed, 'firstInvokeMs'));
  put('wholeProcessMs', over(asDeployed, 'processMs'));
  // coldImportPlainMs: without NODE_OPTIONS (bench/lib/goals.ts quotes it); coldImportSourceMapsMs: with the flag.
  put(defaults.sourceMaps ? 'coldImportPlainMs' : 'coldImportSourceMapsMs', over(otherMaps, 'importMs'));
  for (const input of bundle.inputs.slice(0, TOP_INPUT_FIGURES)) put(`inputMb.${input.name}`, stat([mbOf(input.bytes)]));

  const coldRow = (label: string, series: readonly ProbeSample[]) =>
    [label, over(series, 'importMs'), over(series, 'readyMs'), over(series, 'firstInvokeMs'), over(series, 'processMs')];
  const tables: Table[] = [
    {
      columns: ['index.mjs MB', 'gzip MB', 'source map MB', 'left to the runtime'],
      rows: [[figures['bundleMb'], figures['gzipMb'], figures['sourceMapMb'] ?? '(none)', bundle.externals.length > 0 ? bundle.externals.join(', ') : 'nothing (the AWS SDK is bundled)']],
    },
    {
      columns: ['Node started with', 'cold import ms', 'handler callable, ms after process start', 'first invocation ms (empty batch)', 'whole node process ms'],
      rows: [
        coldRow(`${nodeOptions ? `NODE_OPTIONS=${nodeOptions}` : 'no NODE_OPTIONS'} (as deployed, sourceMaps: ${defaults.sourceMaps})`, asDeployed),
        coldRow(`${other['NODE_OPTIONS'] ? `NODE_OPTIONS=${other['NODE_OPTIONS']}` : 'no NODE_OPTIONS'} (sourceMaps: ${!defaults.sourceMaps})`, otherMaps),
      ],
    },
    {
      columns: ['largest inputs (esbuild metafile)', 'MB in index.mjs', 'share'],
      rows: bundle.inputs.slice(0, 10).map((input) => [input.name, stat([mbOf(input.bytes)]), `${((100 * input.bytes) / bundle.bytes).toFixed(0)}%`]),
    },
  ];
  const options = Object.entries(bundling).map(([k, v]) => (k === 'banner' ? 'banner (createRequire shim)' : `${k}=${JSON.stringify(v)}`)).join(', ');
  return {
    id: 'bundle',
    title: 'Worker bundle: the worker Lambda as the stack builds it',
    status: 'ok',
    method: [
      `\`${WORKER_ENTRY}\` built with esbuild from ${bundling === FLEET_BUNDLING ? "the stack's `FLEET_BUNDLING` (lib/infra/functions.ts)" : 'an alternative to the stack\'s bundling'}, as \`NodejsFunction\` does (--bundle --platform=node, index.mjs): ${options}`,
      `cold start = a fresh \`node -e\` on the generator core with the function's environment (the stack's variables, placeholder resource names, no credentials): it imports the bundle, checks \`handler\`, and invokes it once on an empty SQS batch (AWS clients and the HTTP pool are built, nothing is sent); ${samples} processes per row, interleaved; the file is in the OS page cache, as on a warm Lambda host`,
      bundle.externals.length > 0 ? `modules left to the runtime are loaded from the repository's node_modules (standing in for the runtime's copy): ${bundle.externals.join(', ')}` : 'nothing is left to the runtime: the bundle imports only Node built-ins',
    ],
    tables,
    figures,
    notes: [`over ${samples} processes (min–max); the goal's cold import is the as-deployed row`, ...insideLargest(bundle, 3)],
  };
}
