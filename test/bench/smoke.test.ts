import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BenchResults } from '../../bench/lib/results.ts';
import { SECTION_IDS } from '../../bench/lib/results.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** Spawns `node --import tsx bench/run.ts ARGS` and collects its output. */
function spawnBench(args: readonly string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, stderr }));
  return { child, exited, stderr: () => stderr };
}

/** True when something accepts connections on `url`'s port. */
async function listening(url: string): Promise<boolean> {
  const { port } = new URL(url);
  return new Promise((resolveOk) => {
    const socket = connect(Number(port), '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolveOk(true); });
    socket.once('error', () => resolveOk(false));
  });
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A new temp folder, removed after the test. */
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

describe('bench: npm run bench --quick (smoke)', () => {
  it('writes RESULTS.md with every section, each with numbers, and the goals', async () => {
    // Prepare
    const dir = tempDir('loadfleet-bench-smoke-');
    const md = join(dir, 'RESULTS.md');
    const json = join(dir, 'results.json');

    // Act
    const { code, stderr } = await spawnBench(['--quick', '--out', md, '--json', json]).exited;

    // Assess
    expect(code, stderr).toBe(0);
    const results = JSON.parse(readFileSync(json, 'utf8')) as BenchResults;
    expect(results.sections.map((s) => s.id)).toEqual([...SECTION_IDS]);
    for (const section of results.sections) {
      expect(section.status, `${section.id}: ${section.notes.join('; ')}`).toBe('ok');
      const figures = Object.values(section.figures);
      expect(figures.length, section.id).toBeGreaterThan(0);
      for (const f of figures) expect(Number.isFinite(f.median) && f.min <= f.median && f.median <= f.max, section.id).toBe(true);
    }
    const workers = results.sections.find((s) => s.id === 'workers');
    expect(Object.keys(workers?.figures ?? {})).toEqual(expect.arrayContaining(['rps.1', 'rps.2', 'ratio.rps']));
    // Memory: both CLIs (tsx and the bundle `npm run build` writes), the floor run and a longer one.
    const memory = results.sections.find((s) => s.id === 'memory');
    expect(Object.keys(memory?.figures ?? {})).toEqual(expect.arrayContaining(['tsx.peakRssMb.10', 'bundled.peakRssMb.10', 'tsx.peakRssMb.1000', 'bundled.peakRssMb.1000', 'bundled.liveAfterGcMb.1000', 'floor.peakRssMb.1000']));
    expect(results.goals).toHaveLength(8);
    const text = readFileSync(md, 'utf8');
    expect(text).toContain('## Machine');
    expect(text).toContain('## Goals');
    for (const section of results.sections) expect(text).toContain(`## ${section.title}`);
    expect(text).toMatch(/nproc: \d+/);
  }, 300_000);

  it('on SIGINT stops its target and generators and exits 130', async () => {
    // Prepare: the closed loop only, so the signal lands while a generator runs
    const dir = tempDir('loadfleet-bench-sigint-');
    const bench = spawnBench(['--quick', '--only', 'closed-loop', '--out', join(dir, 'RESULTS.md')]);
    // Generous deadlines: the machine may be busy (tsx start-up alone can take seconds under contention).
    const deadline = Date.now() + 90_000;
    while (!/closed loop: /.test(bench.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // The label is one word for nginx and two for the fallback (`demo target`); nginx's URL ends in "/".
    const url = /; target .+? (http:\/\/127\.0\.0\.1:\d+\/?)$/m.exec(bench.stderr())?.[1];
    expect(url, bench.stderr()).toBeDefined();
    // The generator child is mid-run once it shows in the process list with the target URL.
    const generatorRunning = (): boolean => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).includes(`--url ${url as string}`);
    while (!generatorRunning() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(generatorRunning(), bench.stderr()).toBe(true);

    // Act
    bench.child.kill('SIGINT');
    const { code } = await bench.exited;

    // Assess
    expect(code).toBe(130);
    expect(await listening(url as string)).toBe(false);
    // The generator was given the target URL on its command line: no process may still carry it.
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps).not.toContain(`--url ${url as string}`);
  }, 180_000);
});
