/**
 * Builds a Lambda entry the way the CDK's `NodejsFunction` does, from the same `BundlingOptions` the stack
 * passes it: the bench measures the bundle the stack ships, not a look-alike. `NodejsFunction` runs the
 * esbuild CLI with `--bundle --platform=node --outfile=<dir>/index.mjs` plus one flag per option; this
 * passes the same settings to esbuild's API (the same esbuild package), and refuses an option it does not
 * translate, so a new stack option cannot silently go unmeasured.
 */
import { readFile, stat } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { OutputFormat, SourceMapMode, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { build, type BuildOptions, type Charset, type Format, type Metafile } from 'esbuild';

/** The `BundlingOptions` keys {@link esbuildOptions} translates; any other key set is an error. */
const TRANSLATED = new Set<keyof BundlingOptions>([
  'format', 'target', 'minify', 'sourceMap', 'sourceMapMode', 'sourcesContent', 'mainFields', 'banner', 'footer',
  'define', 'externalModules', 'keepNames', 'loader', 'charset', 'logLevel', 'metafile', 'esbuildArgs',
]);

/** The raw esbuild arguments ({@link BundlingOptions.esbuildArgs}) {@link esbuildOptions} translates. */
const TRANSLATED_ARGS = new Set(['--alias']);

/**
 * `esbuildArgs: { '--alias': ['from=to', ...] }` (the CDK passes each as `--alias:from=to`) as esbuild's
 * `alias` option; the targets stay relative to the working directory, as on the command line.
 */
function aliasOf(args: BundlingOptions['esbuildArgs']): Record<string, string> | undefined {
  if (args === undefined) return undefined;
  const unknown = Object.keys(args).filter((k) => !TRANSLATED_ARGS.has(k));
  if (unknown.length > 0) throw new Error(`bench cannot reproduce esbuildArgs ${unknown.join(', ')}: teach bench/lib/lambda-bundle.ts first`);
  const value = args['--alias'];
  if (value === undefined) return undefined;
  const entries = (Array.isArray(value) ? value : [String(value)]).map((item) => {
    const at = item.indexOf('=');
    if (at <= 0) throw new Error(`esbuildArgs --alias entry "${item}" is not FROM=TO`);
    return [item.slice(0, at), item.slice(at + 1)] as const;
  });
  return Object.fromEntries(entries);
}

/**
 * The esbuild build options `NodejsFunction` uses for `bundling`, writing `outfile`. `target` and
 * `externalModules` must be set: left out, the CDK derives them from the runtime and a feature flag.
 */
export function esbuildOptions(bundling: Readonly<BundlingOptions>, entry: string, outfile: string, absWorkingDir: string): BuildOptions {
  const unknown = Object.keys(bundling).filter((k) => bundling[k as keyof BundlingOptions] !== undefined && !TRANSLATED.has(k as keyof BundlingOptions));
  if (unknown.length > 0) throw new Error(`bench cannot reproduce bundling option(s) ${unknown.join(', ')}: teach bench/lib/lambda-bundle.ts first`);
  if (bundling.target === undefined || bundling.externalModules === undefined) {
    throw new Error('bundling.target and bundling.externalModules must be explicit (the CDK defaults depend on the runtime and feature flags)');
  }
  const mode = bundling.sourceMapMode;
  const sourcemap: BuildOptions['sourcemap'] = !(bundling.sourceMap || mode) ? false : !mode || mode === SourceMapMode.DEFAULT ? true : (mode as 'external' | 'inline' | 'both');
  return {
    entryPoints: [entry],
    absWorkingDir,
    bundle: true,
    platform: 'node',
    outfile,
    target: bundling.target,
    ...(bundling.format ? { format: bundling.format as Format } : {}),
    minify: bundling.minify ?? false,
    sourcemap,
    ...(bundling.sourcesContent === false ? { sourcesContent: false } : {}),
    external: [...bundling.externalModules],
    ...(bundling.loader ? { loader: { ...bundling.loader } as BuildOptions['loader'] } : {}),
    ...(bundling.define ? { define: { ...bundling.define } } : {}),
    ...(bundling.keepNames ? { keepNames: true } : {}),
    ...(bundling.charset ? { charset: bundling.charset as Charset } : {}),
    ...(bundling.banner ? { banner: { js: bundling.banner } } : {}),
    ...(bundling.footer ? { footer: { js: bundling.footer } } : {}),
    ...(bundling.mainFields ? { mainFields: [...bundling.mainFields] } : {}),
    ...(bundling.esbuildArgs ? { alias: aliasOf(bundling.esbuildArgs) } : {}),
    logLevel: 'silent',
  };
}

/** One package (or `lib`, `lambdas`) and the bytes of it left in the bundle. */
export interface BundleInput {
  readonly name: string;
  readonly bytes: number;
}

/** A built bundle: `index.mjs` (or `index.js`) in `dir`, with what it is made of. */
export interface LambdaBundle {
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** The source map's size; 0 without one. */
  readonly mapBytes: number;
  /** Bytes in the output by package, largest first. */
  readonly inputs: readonly BundleInput[];
  /** Bytes in the output by input file (paths relative to the root), largest first. */
  readonly files: readonly BundleInput[];
  /** Packages left to the runtime: what the bundle imports that is neither in it nor a Node built-in. */
  readonly externals: readonly string[];
}

/** `node_modules/@scope/name/...` -> `@scope/name`; `lib/...` -> `lib`. */
export function packageOf(path: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (match) return match[1] as string;
  return path.split('/')[0] ?? path;
}

function byPackage(metafile: Metafile): { inputs: BundleInput[]; files: BundleInput[]; externals: string[] } {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
  if (!output) throw new Error('esbuild metafile has no entry output');
  const sizes = new Map<string, number>();
  for (const [path, input] of Object.entries(output.inputs)) sizes.set(packageOf(path), (sizes.get(packageOf(path)) ?? 0) + input.bytesInOutput);
  const externals = [...new Set(output.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path))].sort();
  const files = Object.entries(output.inputs).map(([name, input]) => ({ name, bytes: input.bytesInOutput })).sort((a, b) => b.bytes - a.bytes);
  return { inputs: [...sizes].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes), files, externals };
}

/** Builds `entry` (relative to `root`) into `dir` as `NodejsFunction` would with `bundling`. */
export async function buildLambda(root: string, entry: string, dir: string, bundling: Readonly<BundlingOptions>): Promise<LambdaBundle> {
  const file = join(dir, bundling.format === OutputFormat.ESM ? 'index.mjs' : 'index.js');
  // The metafile is esbuild's account of the build; asking for it does not change the output.
  const result = await build({ ...esbuildOptions(bundling, join(root, entry), file, root), metafile: true });
  const text = await readFile(file);
  const mapBytes = await stat(`${file}.map`).then((s) => s.size, () => 0);
  return { file, bytes: text.length, gzipBytes: gzipSync(text).length, mapBytes, ...byPackage(result.metafile) };
}
