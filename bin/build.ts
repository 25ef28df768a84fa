/**
 * `npm run build`: bundles the CLI into plain JavaScript, so `node dist/loadfleet.mjs run plan.yaml`
 * runs without tsx (no TypeScript compiled at start-up, a smaller process).
 *
 *   node --import tsx bin/build.ts [--outdir dist]
 *
 * esbuild, ESM, node24, every dependency bundled, with code splitting: what the CLI loads only on
 * demand (the demo target and its PostgreSQL driver, `fleet stop|report` and the AWS SDK) stays in
 * chunks of its own that a `run` never reads. Writes `<outdir>/loadfleet.mjs` (the entry, executable),
 * `<outdir>/thread-entry.mjs` (the body of `--workers` threads) and the chunks both import.
 */
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type BuildResult, type Plugin } from 'esbuild';

/** Repository root (this file is bin/build.ts). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** ESM bundles have no `require`; some CommonJS dependencies still call it (as lib/infra/functions.ts's ESM_REQUIRE_SHIM). */
const REQUIRE_SHIM = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** The entry file a `loadfleet` command runs, in `outdir`. */
export const CLI_ENTRY = 'loadfleet.mjs';

/**
 * Source edits that only make sense in the bundle, each checked: a source that no longer has the text
 * fails the build instead of shipping a bundle that silently loads TypeScript.
 */
const REWRITES: Record<string, ReadonlyArray<readonly [string, string]>> = {
  // `--workers` threads run the bundled thread entry, without tsx.
  'lib/runtime/threads/run-threaded.ts': [
    ["new URL('./thread-entry.ts', import.meta.url)", "new URL('./thread-entry.mjs', import.meta.url)"],
    ['execArgv: threadExecArgv(),', 'execArgv: [...process.execArgv],'],
  ],
};

/**
 * Source files that find files of the repository beside themselves (`demo` reads examples/ next to
 * lib/): their `import.meta.url` becomes the URL the source file has, worked out from the bundle's own
 * location at run time, so a bundle in any folder of the repository finds them.
 */
const SOURCE_RELATIVE = new Set(['lib/cli/demo-command.ts']);

/** Applies `REWRITES` and `SOURCE_RELATIVE` while esbuild loads the repository's own files. */
function bundleEdits(outdir: string): Plugin {
  return {
    name: 'loadfleet-bundle-edits',
    setup(b) {
      b.onLoad({ filter: /[\\/](lib|bin)[\\/].*\.ts$/ }, async (args) => {
        const file = relative(ROOT, args.path).split(sep).join('/');
        const rewrites = REWRITES[file];
        const sourceRelative = SOURCE_RELATIVE.has(file);
        if (!rewrites && !sourceRelative && file !== 'bin/loadfleet.ts') return undefined;
        let text = await readFile(args.path, 'utf8');
        // The entry's `npx tsx` hashbang is replaced by a plain node one in the output.
        if (file === 'bin/loadfleet.ts') text = text.replace(/^#!.*\n/, '');
        for (const [from, to] of rewrites ?? []) {
          if (!text.includes(from)) throw new Error(`bin/build.ts: ${file} no longer contains ${JSON.stringify(from)}; update REWRITES`);
          text = text.replaceAll(from, to);
        }
        if (sourceRelative) {
          const fromBundle = relative(outdir, args.path).split(sep).join('/');
          text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`);
        }
        return { contents: text, loader: 'ts' };
      });
    },
  };
}

/** Builds the CLI into `outdir` (emptied first); resolves with esbuild's result (its metafile included). */
export async function buildCli(outdir = join(ROOT, 'dist')): Promise<BuildResult<{ metafile: true }>> {
  const out = resolve(outdir);
  await rm(out, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { loadfleet: 'bin/loadfleet.ts', 'thread-entry': 'lib/runtime/threads/thread-entry.ts' },
    outdir: out,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    outExtension: { '.js': '.mjs' },
    // Chunks beside the entries: bundled code that finds a file from its own `import.meta.url` (the
    // thread entry) looks in the same folder whichever chunk it lands in.
    chunkNames: '[name]-[hash]',
    // Prefer packages' ESM builds, so tree-shaking works (as the fleet's Lambda bundles do).
    mainFields: ['module', 'main'],
    // undici's switch for esbuild builds: leaves out its experimental Milo parser (inlined WebAssembly).
    define: { esbuildDetection: 'true' },
    banner: { js: REQUIRE_SHIM },
    // pg's optional native binding: pg falls back to its JavaScript client without it.
    external: ['pg-native'],
    // Whitespace and syntax only: identifiers keep their names, so errors named after their class
    // (LoadfleetError's `new.target.name`) and stack traces read as in the source, without keepNames'
    // helper calls. Peak RSS is the same as fully minified (measured).
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
    plugins: [bundleEdits(out)],
  });
  const entry = join(out, CLI_ENTRY);
  await writeFile(entry, `#!/usr/bin/env node\n${await readFile(entry, 'utf8')}`);
  await chmod(entry, 0o755);
  return result;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outdir: { type: 'string', default: join(ROOT, 'dist') } } });
  const result = await buildCli(values.outdir);
  const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  process.stdout.write(`built ${join(values.outdir, CLI_ENTRY)} (${(bytes / 1024 / 1024).toFixed(2)} MB in ${Object.keys(result.metafile.outputs).length} files, source maps included)\n`);
}
