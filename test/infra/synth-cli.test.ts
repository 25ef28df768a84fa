// The one test that runs the real toolchain: `cdk synth` through the CLI, with esbuild bundling every
// function locally (no Docker, no AWS account, no network: version check, notices and telemetry off).
// It also holds the bench to the stack: the bench's build of the worker is the synthesized asset, byte for byte.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLambda } from '../../bench/lib/lambda-bundle.ts';
import { WORKER_ENTRY } from '../../bench/scenarios/bundle.ts';
import { ESM_REQUIRE_SHIM, FLEET_BUNDLING, REPO_ROOT } from '../../lib/infra/functions.ts';

const outDir = mkdtempSync(join(tmpdir(), 'loadfleet-synth-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

function offlineEnv(): NodeJS.ProcessEnv {
  // No credentials or profile: synth must not need them.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CDK_')));
  return {
    ...env,
    PATH: `${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env['PATH'] ?? ''}`,
    CDK_DISABLE_VERSION_CHECK: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; output: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env: offlineEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output, ms: performance.now() - started }));
  });
}

describe('cdk synth (real CLI, real bundling)', () => {
  it('exits 0 and writes a bundled ESM worker with source map, the bytes the bench measures', { timeout: 120_000 }, async () => {
    const { code, output, ms } = await run('cdk', ['synth', '--quiet', '--no-notices', '-o', outDir]);
    console.log(`cdk synth took ${(ms / 1000).toFixed(1)} s`);
    expect(code, output).toBe(0);

    const template = JSON.parse(readFileSync(join(outDir, 'Loadfleet.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    };
    const fns = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(fns).toHaveLength(6);
    const worker = fns.find(([id]) => id.startsWith('WorkersWorker'));
    const assetPath = worker?.[1].Metadata?.['aws:asset:path'];
    expect(assetPath).toMatch(/^asset\.[0-9a-f]{64}$/);

    const bundle = join(outDir, assetPath!, 'index.mjs');
    expect(existsSync(bundle)).toBe(true);
    expect(existsSync(`${bundle}.map`)).toBe(true);
    // Booleans, not string matchers: a failure must not print a 2 MB bundle.
    const text = readFileSync(bundle, 'utf8');
    expect(text.startsWith(ESM_REQUIRE_SHIM), 'bundle starts with the createRequire banner').toBe(true);
    expect(/export\s*\{[^}]*\bas handler\b[^}]*\}/.test(text), 'bundle exports `handler`').toBe(true);
    expect(text.includes('//# sourceMappingURL=index.mjs.map'), 'bundle links its source map').toBe(true);
    // Mappings only: the sources are not embedded (the map is read at every cold start with --enable-source-maps).
    const map = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { mappings: string; sourcesContent?: unknown };
    expect(map.mappings.length).toBeGreaterThan(0);
    expect(map.sourcesContent).toBeUndefined();

    // What `npm run bench` measures is this very file: its build from FLEET_BUNDLING is byte-identical.
    const benchDir = join(outDir, 'bench-build');
    mkdirSync(benchDir);
    const bench = await buildLambda(REPO_ROOT, WORKER_ENTRY, benchDir, FLEET_BUNDLING);
    expect(readFileSync(bench.file).equals(readFileSync(bundle)), 'bench build of the worker = synthesized asset').toBe(true);
    // The AWS SDK is bundled at the pinned versions: nothing is left to the Lambda runtime's copy.
    expect(bench.externals).toEqual([]);
    expect(bench.inputs.map((i) => i.name)).toEqual(expect.arrayContaining(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-sqs', '@aws-sdk/client-s3']));
  });
});
