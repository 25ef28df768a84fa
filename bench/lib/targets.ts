/**
 * The bench's targets, each a child process on loopback pinned to the target core: nginx from Debian
 * (a fixed `200 ok`, the fastest thing to measure generators against) and the bundled demo target.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import type { ChildRegistry } from './processes.ts';
import { which, type Pinning } from './system.ts';

/** The longest a target may take to accept connections. */
const TARGET_START_TIMEOUT_MS = 20_000;
/** The longest `apt-get install nginx-light` may take. */
const APT_TIMEOUT_MS = 300_000;

/** A target the bench started; `stop()` kills it. */
export interface BenchTarget {
  readonly url: string;
  readonly label: string;
  /** The target's process id (for reading its CPU); undefined when not known. */
  readonly pid?: number;
  stop(): Promise<void>;
}

/** A free loopback port (the usual listen-on-0 trick; the port is released before it is used). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not read a free port');
  return address.port;
}

/** Resolves once `port` accepts a TCP connection; rejects after `timeoutMs`. */
async function waitForPort(port: number, timeoutMs: number, exited: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = exited();
    if (why) throw new Error(why);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Where nginx came from, or why there is none. */
export type NginxBinary = { readonly path: string; readonly version: string; readonly note: string } | { readonly path?: undefined; readonly note: string };

/**
 * Finds nginx; when it is missing and `install` is set, installs Debian's `nginx-light` with apt-get
 * (root only). Never throws: a missing nginx is a note, and the bench falls back to the demo target.
 */
export async function findNginx(registry: ChildRegistry, install: boolean, log: (line: string) => void): Promise<NginxBinary> {
  let path = which('nginx');
  let note = 'nginx found on this machine';
  if (!path && install) {
    const aptGet = which('apt-get');
    if (!aptGet || process.getuid?.() !== 0) return { note: `nginx is not installed and cannot be (${aptGet ? 'not root' : 'no apt-get'})` };
    log('nginx missing: apt-get install -y nginx-light');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let run = await registry.run([aptGet, 'install', '-y', 'nginx-light'], { env, timeoutMs: APT_TIMEOUT_MS });
    if (run.code !== 0) {
      await registry.run([aptGet, 'update'], { env, timeoutMs: APT_TIMEOUT_MS });
      run = await registry.run([aptGet, 'install', '-y', 'nginx-light'], { env, timeoutMs: APT_TIMEOUT_MS });
    }
    path = which('nginx');
    note = 'nginx-light installed by the bench with apt-get';
    if (!path) return { note: `apt-get install nginx-light failed: ${run.stderr.trim().split('\n').at(-1) ?? ''}` };
  }
  if (!path) return { note: 'nginx is not installed (the quick mode does not install it)' };
  const version = /nginx\/(\S+)/.exec(nginxStderr(path, ['-v']))?.[1] ?? 'unknown';
  return { path, version, note };
}

/** `nginx -v` and `nginx -V` print on stderr. */
function nginxStderr(nginx: string, args: readonly string[]): string {
  const result = spawnSync(nginx, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return `${result.stdout}${result.stderr}`;
}

/**
 * The nginx configuration: one worker, no access log, `200 ok` for every path, enough connections
 * for a 5,000 burst, keep-alive without a request cap (so no tool pays for reconnects), and every
 * file (pid, error log, temp folders) in `dir`, so it runs without touching /etc or /var.
 */
export function nginxConfig(dir: string, port: number, compiledOptions: string): string {
  const temps = ['client-body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .filter((name) => compiledOptions.includes(`--http-${name}-temp-path`) && !compiledOptions.includes(`--without-http_${name.replace('-', '_')}_module`))
    .map((name) => `  ${name.replace('-', '_')}_temp_path ${join(dir, `${name}-temp`)};`);
  return `worker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
${temps.join('\n')}
  server {
    listen 127.0.0.1:${port} backlog=8192;
    location / { return 200 "ok"; }
  }
}
`;
}

/** Starts nginx (pinned to the target core) on a free port with `nginxConfig`, its files under `workDir`. */
export async function startNginx(registry: ChildRegistry, nginx: string, pinning: Pinning, workDir: string): Promise<BenchTarget> {
  const dir = await mkdtemp(join(workDir, 'nginx-'));
  await mkdir(join(dir, 'logs'), { recursive: true });
  const port = await freePort();
  const compiled = nginxStderr(nginx, ['-V']);
  const conf = join(dir, 'nginx.conf');
  await writeFile(conf, nginxConfig(dir, port, compiled));
  const child = registry.spawn([...pinning.target, nginx, '-p', dir, '-e', join(dir, 'error.log'), '-c', conf], { stdio: 'ignore' });
  let exit: string | undefined;
  child.once('exit', (code) => (exit = `nginx exited (${code}) before listening`));
  try {
    await waitForPort(port, TARGET_START_TIMEOUT_MS, () => exit);
  } catch (error) {
    await registry.stop(child);
    const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
    throw new Error(`${(error as Error).message}\n${log.trim()}`, { cause: error });
  }
  return { url: `http://127.0.0.1:${port}/`, label: 'nginx', stop: () => registry.stop(child) };
}

/** Starts the demo target (`loadfleet target --port 0 --accept-delay 0`) pinned to the target core (`pin` overrides it). */
export async function startDemoTarget(registry: ChildRegistry, root: string, pinning: Pinning, pin: readonly string[] = pinning.target): Promise<BenchTarget> {
  const child = registry.spawn([...pin, process.execPath, '--import', 'tsx', 'bin/loadfleet.ts', 'target', '--port', '0', '--accept-delay', '0'], { cwd: root });
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  try {
    const url = await waitForListening(child, () => err.trim());
    // Keep draining its output so a chatty target never blocks on a full pipe.
    child.stdout?.resume();
    // taskset execs what it wraps, so the pid is the demo target's own.
    return { url, label: 'demo target', ...(child.pid !== undefined ? { pid: child.pid } : {}), stop: () => registry.stop(child) };
  } catch (error) {
    await registry.stop(child);
    throw error;
  }
}

/**
 * Resolves with the URL a `loadfleet target` child prints ("listening on http://..."), or rejects when
 * it exits first or takes longer than `TARGET_START_TIMEOUT_MS`. `detail` adds what the child said.
 */
export function waitForListening(child: ChildProcess, detail: () => string = () => ''): Promise<string> {
  let out = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the demo target did not start in time')), TARGET_START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo target exited (${code}) before listening${detail() ? `: ${detail()}` : ''}`));
    });
  });
}
