/**
 * A throwaway PostgreSQL server for tests: `initdb` into a temp dir, start on a free loopback port,
 * stop and delete on `stop()`. Uses the locally installed binaries (no Docker). PostgreSQL refuses to
 * run as root, so under root every binary runs as the `postgres` OS user (via `runuser`, else `su`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

/** `RunningPostgres` is a started throwaway server. */
export interface RunningPostgres {
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` (trust auth: no password). */
  readonly connectionString: string;
  /** Stops the server (immediate mode: nothing to keep) and deletes its data; idempotent. */
  stop(): Promise<void>;
}

interface Setup {
  readonly binDir: string;
  /** Set when running as root: the account to run the binaries as. */
  readonly runAs?: { readonly user: string; readonly uid: number; readonly gid: number; readonly via: 'runuser' | 'su' };
}

const START_ATTEMPTS = 3;
const READY_TIMEOUT_MS = 15_000;

/** `postgresAvailable` tells whether `startPostgres` can work here (binaries found, and a non-root user to run them as if needed). */
export function postgresAvailable(): boolean {
  return postgresUnavailableReason() === undefined;
}

/** `postgresUnavailableReason` says why `startPostgres` cannot work here; `undefined` when it can. Use it as a skip message. */
export function postgresUnavailableReason(): string | undefined {
  const setup = findSetup();
  return typeof setup === 'string' ? setup : undefined;
}

/**
 * `startPostgres` creates a fresh cluster in a temp dir and starts it on a free loopback port, with
 * durability off (fsync, synchronous_commit) since the data dies with the test. Resolves once a
 * client can run a query. Retries on a new port if another process took the port in the meantime.
 */
export async function startPostgres(): Promise<RunningPostgres> {
  const setup = findSetup();
  if (typeof setup === 'string') throw new Error(`cannot start PostgreSQL: ${setup}`);
  const dir = mkdtempSync(join(tmpdir(), 'loadfleet-pg-'));
  const dataDir = join(dir, 'data');
  const sockDir = join(dir, 'sock');
  const logFile = join(dir, 'server.log');
  mkdirSync(sockDir);
  // The postgres user must own the tree: initdb writes data/, the server its socket and log.
  if (setup.runAs) for (const path of [dir, sockDir]) chownSync(path, setup.runAs.uid, setup.runAs.gid);

  let stopped = false;
  const stopSync = (): void => {
    if (stopped) return;
    stopped = true;
    // Last resort for a test process that exits without calling stop(): no orphaned postmaster.
    if (existsSync(join(dataDir, 'postmaster.pid'))) spawnSync(...command(setup, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']), { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopSync);

  try {
    await run(setup, 'initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync']);
    let lastError: unknown;
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt += 1) {
      const port = await freePort();
      const serverOptions = `-k ${sockDir} -h 127.0.0.1 -p ${port} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
      try {
        await run(setup, 'pg_ctl', ['-D', dataDir, '-o', serverOptions, '-l', logFile, '-w', '-t', '30', 'start']);
      } catch (error) {
        lastError = new Error(`${String(error)}\n--- server log ---\n${readLog(logFile)}`);
        continue; // most likely the port was taken between freePort() and the bind: try another
      }
      const connectionString = `postgresql://postgres@127.0.0.1:${port}/postgres`;
      await waitReady(connectionString);
      const stop = async (): Promise<void> => {
        if (stopped) return;
        stopped = true;
        process.off('exit', stopSync);
        await run(setup, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      };
      return { connectionString, stop };
    }
    throw lastError;
  } catch (error) {
    process.off('exit', stopSync);
    stopSync();
    throw error;
  }
}

function findSetup(): Setup | string {
  const binDir = findBinDir();
  if (!binDir) return 'no initdb/pg_ctl on PATH nor in /usr/lib/postgresql/*/bin';
  if (process.getuid?.() !== 0) return { binDir };
  const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (ids.status !== 0 || gids.status !== 0) return 'running as root and there is no "postgres" user to run PostgreSQL as';
  const via = hasCommand('runuser') ? 'runuser' : hasCommand('su') ? 'su' : undefined;
  if (!via) return 'running as root and neither runuser nor su is available';
  return { binDir, runAs: { user: 'postgres', uid: Number(ids.stdout.trim()), gid: Number(gids.stdout.trim()), via } };
}

function findBinDir(): string | undefined {
  const hasBoth = (dir: string): boolean => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && hasBoth(dir)) return dir;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  // Newest major version first.
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a) || b.localeCompare(a));
  return versions.map((v) => join(root, v, 'bin')).find(hasBoth);
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** The argv that runs `bin` with `args`, as the postgres user when we are root. */
function command(setup: Setup, bin: string, args: readonly string[]): [string, string[]] {
  const path = join(setup.binDir, bin);
  if (!setup.runAs) return [path, [...args]];
  if (setup.runAs.via === 'runuser') return ['runuser', ['-u', setup.runAs.user, '--', path, ...args]];
  return ['su', [setup.runAs.user, '-s', '/bin/sh', '-c', [path, ...args].map(shellQuote).join(' ')]];
}

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs a binary to completion. Resolves on the process's own exit, not on its pipes closing: the
 * postmaster that `pg_ctl start` leaves behind could otherwise hold them open.
 */
function run(setup: Setup, bin: string, args: readonly string[]): Promise<void> {
  const [file, argv] = command(setup, bin, args);
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: tmpdir(), env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      child.stdout.destroy();
      child.stderr.destroy();
      if (code === 0) resolve();
      else reject(new Error(`${bin} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${output.trim()}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `pg_ctl -w` already waits for the server; this also proves a TCP client can run a query. */
async function waitReady(connectionString: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const client = new pg.Client({ connectionString });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL not ready after ${READY_TIMEOUT_MS} ms: ${String(error)}`);
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

function readLog(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8');
  } catch {
    return '(no log)';
  }
}
