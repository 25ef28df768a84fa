// FLEET_BUNDLING hands the bundles node:http and node:process through lambdas/shared/builtins/ (no ES module
// namespace, see there): every way a dependency reaches them must still get the real module object.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { esbuildOptions } from '../../bench/lib/lambda-bundle.ts';
import { FLEET_BUNDLING, REPO_ROOT } from '../../lib/infra/functions.ts';

const dir = mkdtempSync(join(tmpdir(), 'loadfleet-aliases-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The ways the worker's dependencies import them: default and named imports (the AWS SDK, middy), both
// spellings, require (undici, yaml), dynamic import (the SDK's HTTP handler), and undici's Client, which
// reads http.maxHeaderSize when it is built.
const ENTRY = `
import httpDefault, { STATUS_CODES } from 'node:http';
import plainHttp from 'http';
import processDefault, { env, versions } from 'node:process';
import Client from 'undici/lib/dispatcher/client.js';
export const imported = { httpDefault, STATUS_CODES, plainHttp, processDefault, env, versions };
export const required = { http: require('node:http'), process: require('process') };
export const dynamic = async () => (await import('node:http')).default;
export const client = () => new Client('http://127.0.0.1:9');
`;

interface Probe {
  imported: Record<string, unknown>;
  required: Record<string, unknown>;
  dynamic: () => Promise<unknown>;
  client: () => { close(): Promise<void> };
}

/** The recorder's histogram codec, bundled as the Lambdas bundle it: pako is aliased away, zlib does the work. */
const HISTOGRAM_ENTRY = `
import { decodeHistogram, encodeHistogram, newLatencyHistogram } from './lib/core/recorder/histogram.ts';
export const roundTrip = () => {
  const h = newLatencyHistogram();
  for (const us of [120, 950, 4000, 4000, 87000]) h.recordValue(us);
  const back = decodeHistogram(encodeHistogram(h));
  return { count: back.totalCount, p50: back.getValueAtPercentile(50), max: back.maxValue };
};
`;

describe('FLEET_BUNDLING built-in aliases', () => {
  it('leave pako out of the bundle, and histograms still encode and decode (node:zlib)', async () => {
    const outfile = join(dir, 'histogram.mjs');
    const { entryPoints: _entry, ...options } = esbuildOptions(FLEET_BUNDLING, 'histogram.ts', outfile, REPO_ROOT);
    await build({ ...options, sourcemap: false, stdin: { contents: HISTOGRAM_ENTRY, resolveDir: REPO_ROOT, loader: 'ts', sourcefile: 'histogram.ts' } });
    expect(readFileSync(outfile, 'utf8')).toContain('pako is not bundled');

    const probe = (await import(pathToFileURL(outfile).href)) as { roundTrip: () => { count: number; p50: number; max: number } };
    const result = probe.roundTrip();
    expect(result.count).toBe(5);
    expect(result.p50).toBeGreaterThanOrEqual(4000);
    expect(result.p50).toBeLessThan(4010);
    expect(result.max).toBeGreaterThanOrEqual(87000);
  });

  it('give the real node:http and process to imports, requires and dynamic imports, with no ES module import left', async () => {
    const outfile = join(dir, 'probe.mjs');
    const { entryPoints: _entry, ...options } = esbuildOptions(FLEET_BUNDLING, 'probe.ts', outfile, REPO_ROOT);
    await build({ ...options, sourcemap: false, stdin: { contents: ENTRY, resolveDir: REPO_ROOT, loader: 'ts', sourcefile: 'probe.ts' } });
    expect(/from\s*"(node:)?(http|process)"/.test(readFileSync(outfile, 'utf8')), 'no ES module import of node:http or node:process').toBe(false);

    const http = process.getBuiltinModule('node:http');
    const probe = (await import(pathToFileURL(outfile).href)) as Probe;
    expect(probe.imported).toEqual({ httpDefault: http, STATUS_CODES: http.STATUS_CODES, plainHttp: http, processDefault: process, env: process.env, versions: process.versions });
    expect(probe.imported['httpDefault']).toBe(http);
    expect(probe.imported['processDefault']).toBe(process);
    expect(probe.required['http']).toBe(http);
    expect(probe.required['process']).toBe(process);
    expect(await probe.dynamic()).toBe(http);
    await probe.client().close();
  });
});
