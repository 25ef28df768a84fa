import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root (tests spawn the CLI from here). */
export const ROOT = resolve(import.meta.dirname, '../..');

/** Intervals short enough for tests; the shape is the seed's. */
export interface DayInLifeKnobs {
  totalOrders?: number;
  activatedCount?: number;
  batchSize?: number;
  parallelBatches?: number;
  betweenCreates?: string;
  afterCreateBeforeGet?: string;
  betweenGetPolls?: string;
  beforeActivate?: string;
  beforeCancel?: string;
  beforeEnd?: string;
  retryBackoff?: string;
  checkInterval?: string;
}

/** A day-in-life plan in the seed's config shape, as YAML text. */
export function dayInLifeYaml(baseUrl: string, k: DayInLifeKnobs = {}): string {
  return `kind: day-in-life
name: e2e
seed: 7
simulation:
  totalOrders: ${k.totalOrders ?? 200}
  batchSize: ${k.batchSize ?? 20}
  parallelBatches: ${k.parallelBatches ?? 5}
  activatedCount: ${k.activatedCount ?? 170}
payload:
  location: US-EAST-1
  pocOrder: POC-2024-001
  orderNumberPrefix: ORD-2024-
  customFields: { priority: normal, source: simulator }
intervals:
  betweenCreates: ${k.betweenCreates ?? '5ms'}
  afterCreateBeforeGet: ${k.afterCreateBeforeGet ?? '20ms'}
  betweenGetPolls: ${k.betweenGetPolls ?? '20ms'}
  beforeActivate: ${k.beforeActivate ?? '5ms'}
  beforeCancel: ${k.beforeCancel ?? '50ms'}
  beforeEnd: ${k.beforeEnd ?? '50ms'}
api:
  baseUrl: ${baseUrl}
  timeout: 5s
  retryMax: 3
  retryBackoff: ${k.retryBackoff ?? '10ms'}
cleanup:
  cancelTimeout: 30s
  endTimeout: 30s
  checkInterval: ${k.checkInterval ?? '50ms'}
`;
}

/** Writes `text` to a new temp folder and returns the file path. */
export function writeTemp(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** A new empty temp folder. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'loadfleet-out-'));
}

/** A spawned CLI process with its output collected. */
export interface CliRun {
  readonly child: ReturnType<typeof spawn>;
  readonly exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** What the CLI has written to stderr so far. */
  stderrSoFar(): string;
}

/** The `loadfleet` command as package.json's `bin` runs it: one node process, tsx registered in it. */
export const LAUNCHER = join(ROOT, 'bin/loadfleet.mjs');

/** How `spawnCli` starts the CLI. */
export interface SpawnOptions {
  /** Node flags before the launcher (e.g. an `--import` preload). */
  readonly nodeArgs?: readonly string[];
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Its own process group (so a test can signal the group), and a shell between it and the test. */
  readonly wrapped?: boolean;
}

/**
 * Spawns `loadfleet ARGS` on the Node that runs the tests, as the `bin` does (bin/loadfleet.mjs). With
 * `wrapped`, a shell stands between (`sh -c 'node ...; exit $?'`, which cannot exec the node away),
 * in a process group of its own, as npx or a CI step does: `child` is then the shell.
 */
export function spawnCli(args: readonly string[], opts: SpawnOptions = {}): CliRun {
  const command = [process.execPath, ...(opts.nodeArgs ?? []), LAUNCHER, ...args];
  const child = opts.wrapped
    ? spawn('/bin/sh', ['-c', '"$@"; exit $?', 'sh', ...command], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', ...opts.env }, detached: true })
    : spawn(command[0] as string, command.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', ...opts.env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // 'close' waits for every holder of the pipes: with a wrapper, for the node process too.
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
  return { child, exited, stderrSoFar: () => stderr };
}
