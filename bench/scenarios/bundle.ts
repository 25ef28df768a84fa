/**
 * Worker bundle: the code a worker Lambda will load, bundled with esbuild the way a Lambda is
 * (--bundle --minify --platform=node --format=esm), its size, and the time a cold Node takes to import it.
 * The Lambda handler does not exist yet, so the entry re-exports the worker core.
 */
import { stat as statFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import type { BenchContext } from '../lib/context.ts';
import type { Section } from '../lib/results.ts';
import { stat, type Stat } from '../lib/stats.ts';

/** What the worker entry re-exports: run a unit, compile a plan, parse a plan, send HTTP. */
export const WORKER_MODULES = [
  { from: 'lib/runtime/run-unit.ts', names: ['runUnit', 'runSystemSteps'] },
  { from: 'lib/core/engine/compile-plan.ts', names: ['compilePlan'] },
  { from: 'lib/core/engine/request-executor.ts', names: ['RequestExecutor'] },
  { from: 'lib/core/plan/schema.ts', names: ['PlanSchema'] },
  { from: 'lib/adapters/http/undici-client.ts', names: ['UndiciHttpClient'] },
] as const;

/**
 * ESM output of CommonJS dependencies (undici) needs a real `require`; this banner is the usual fix
 * for Lambda ESM bundles (esbuild otherwise throws "Dynamic require of ... is not supported").
 */
const REQUIRE_BANNER = "import { createRequire as __loadfleetCreateRequire } from 'node:module'; const require = __loadfleetCreateRequire(import.meta.url);";

/** Bundles the worker core into `outfile`; returns its size in bytes and gzipped. */
export async function bundleWorkerCore(root: string, outfile: string): Promise<{ bytes: number; gzipBytes: number }> {
  const entry = WORKER_MODULES.map((m) => `export { ${m.names.join(', ')} } from './${m.from}';`).join('\n');
  await build({
    stdin: { contents: entry, resolveDir: root, sourcefile: 'worker-core-entry.ts', loader: 'ts' },
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    outfile,
    banner: { js: REQUIRE_BANNER },
    logLevel: 'silent',
  });
  const bytes = (await statFile(outfile)).size;
  return { bytes, gzipBytes: gzipSync(readFileSync(outfile)).length };
}

/** The script a fresh Node runs: time one `await import(bundle)`, print ms. */
const IMPORT_PROBE = 'const t = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t));';

/** Runs the bundle scenario. */
export async function runBundle(ctx: BenchContext): Promise<Section> {
  const outfile = join(ctx.workDir, 'worker-core.mjs');
  ctx.log('bundle: esbuild worker core');
  const { bytes, gzipBytes } = await bundleWorkerCore(ctx.root, outfile);
  await writeFile(join(ctx.workDir, 'worker-core-entry.txt'), WORKER_MODULES.map((m) => m.from).join('\n'));
  const importMs: number[] = [];
  const processMs: number[] = [];
  const samples = ctx.quick ? 1 : Math.max(ctx.runs, 5);
  for (let i = 0; i < samples; i++) {
    const run = await ctx.registry.run([...ctx.pinning.generator, process.execPath, '--input-type=module', '-e', IMPORT_PROBE, outfile], { cwd: ctx.workDir, timeoutMs: 30_000 });
    if (run.code !== 0) throw new Error(`importing the bundle failed: ${run.stderr.trim().split('\n').slice(0, 3).join(' / ')}`);
    importMs.push(Number(run.stdout.trim()));
    processMs.push(run.wallS * 1000);
  }
  const figures: Record<string, Stat> = {};
  const mb = stat([bytes / 1_000_000]);
  const imp = stat(importMs);
  if (mb) figures['bundleMb'] = mb;
  if (imp) figures['coldImportMs'] = imp;
  const gzip = stat([gzipBytes / 1_000_000]);
  const whole = stat(processMs);
  if (gzip) figures['gzipMb'] = gzip;
  if (whole) figures['wholeProcessMs'] = whole;
  return {
    id: 'bundle',
    title: 'Worker bundle: worker core (Lambda handler arrives with the AWS issue)',
    status: 'ok',
    method: [
      `entry re-exports ${WORKER_MODULES.map((m) => `\`${m.from}\` (${m.names.join(', ')})`).join(', ')}`,
      'esbuild --bundle --minify --platform=node --format=esm --target=node22, everything bundled (undici, zod, hdr-histogram-js), a `createRequire` banner for the CommonJS parts',
      `cold import = a fresh \`node --input-type=module -e 'await import(bundle)'\` on the generator core timing the import itself; ${samples} fresh processes (the file is in the OS page cache, as on a warm Lambda host)`,
    ],
    tables: [{
      columns: ['bundle MB', 'gzip MB', 'cold import ms', 'whole node process ms'],
      rows: [[mb, gzip, imp, whole]],
    }],
    figures,
    notes: [`over ${samples} processes (min–max)`],
  };
}
