import { newRunId } from '../runtime/run-id.ts';
import { constants } from 'node:fs';
import { access, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CsvEventSink, NullEventSink } from '../adapters/local/csv-event-sink.ts';
import type { EventSink } from '../core/ports.ts';
import { systemClock } from '../adapters/local/system-clock.ts';
import { UndiciHttpClient } from '../adapters/http/undici-client.ts';
import { assertTargetAllowed, localPolicy, type AllowlistPolicy } from '../core/allowlist/allowlist.ts';
import { formatDuration } from '../core/duration.ts';
import { LoadfleetError } from '../core/errors.ts';
import { baseUrlProblem, parseBaseUrl } from '../core/plan/base-url.ts';
import type { Plan } from '../core/plan/schema.ts';
import { loadPlan, type LoadedPlan } from '../core/plan/plan-loader.ts';
import type { RunReport } from '../core/report/model.ts';
import { writeJsonReport } from '../report/json.ts';
import { renderSummary } from '../report/terminal.ts';
import { runLocal, type LiveProgress } from '../runtime/local-driver.ts';
import { runThreaded } from '../runtime/threads/run-threaded.ts';
import { noteSecrets } from './crash-report.ts';
import { EXIT, exitCodeOf } from './exit-codes.ts';
import { showProgress } from './progress.ts';
import { installStopSignals } from './signals.ts';

/** Options of `loadfleet run` (and `demo`, which adds the target). */
export interface RunCommandOptions {
  readonly out?: string;
  readonly baseUrl?: string;
  readonly seed?: number;
  readonly quiet?: boolean;
  readonly allowHost?: readonly string[];
  /** Worker threads to run the units on (default 1: the main thread). */
  readonly workers?: number;
}

/** What a finished `run` hands back to its caller (the CLI exits with `exitCode`). */
export interface RunCommandResult {
  readonly exitCode: number;
  readonly report?: RunReport;
  readonly outDir?: string;
}

/**
 * The allowlist policy of a local command (`--allow-host`), after checking `baseUrl` against it: the
 * one check `validate`, `run`, `hit` and `demo` share. Undefined, with the reason logged, when the
 * target is refused or an `--allow-host` entry is not a host.
 */
export function allowedTarget(baseUrl: string, allowHost: readonly string[] | undefined, log: (line: string) => void): AllowlistPolicy | undefined {
  try {
    const policy = localPolicy(allowHost ?? []);
    assertTargetAllowed(baseUrl, policy);
    return policy;
  } catch (error) {
    if (!(error instanceof LoadfleetError)) throw error;
    log(`error: ${error.message}`);
    return undefined;
  }
}

/** Reads and validates a plan file, printing every problem; undefined when it is invalid. */
export async function readPlan(file: string, log: (line: string) => void): Promise<LoadedPlan | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    log(`error: cannot read plan ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return undefined;
  }
  try {
    const loaded = loadPlan(text, file, process.env);
    // From here on, a message printed about anything (even a crash) hides the plan's secrets.
    noteSecrets(loaded.secrets);
    for (const warning of loaded.warnings) log(`warning: ${warning}`);
    return loaded;
  } catch (error) {
    if (error instanceof LoadfleetError) {
      log(`error: invalid plan\n${error.message}`);
      return undefined;
    }
    throw error;
  }
}

/** `loadfleet run PLAN`: validates, runs locally, writes report.json and events.csv, prints a summary. */
export async function runCommand(file: string, opts: RunCommandOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<RunCommandResult> {
  const loaded = await readPlan(file, log);
  if (!loaded) return { exitCode: EXIT.invalidInput };
  return executePlan(loaded, opts, log);
}

/** How `executePlan` reports and what it writes. */
export interface ExecuteOptions extends RunCommandOptions {
  /** Write events.csv and report.json (default true; `hit` writes them only with --out). */
  readonly files?: boolean;
  /** Print the summary (default: unless quiet). `hit --json` prints its own line instead. */
  readonly summary?: boolean;
}

/**
 * Runs a loaded plan on this machine, the one path every command takes (`run`, `demo`, `hit`): apply
 * overrides, check the allowlist, open the outputs, install the stop signals, run, report.
 *
 * Nothing it writes carries a value from the environment: every line goes through the plan's
 * `redactor` on its way to `log`, the event log and the report are masked where they are written
 * (`CsvEventSink`, `buildReport`), and an error leaving it is masked too.
 */
export async function executePlan(loaded: LoadedPlan, opts: ExecuteOptions, printLine: (line: string) => void): Promise<RunCommandResult> {
  const { redactor } = loaded;
  const log = (line: string): void => printLine(redactor.text(line));
  try {
    return await executeRedacted(loaded, opts, log);
  } catch (error) {
    throw redactor.error(error);
  }
}

async function executeRedacted(loaded: LoadedPlan, opts: ExecuteOptions, log: (line: string) => void): Promise<RunCommandResult> {
  const { redactor } = loaded;
  let plan = loaded.plan;
  if (opts.baseUrl !== undefined) {
    // The override meets the plan's own rules on baseUrl (no template, http(s), no query).
    const problem = baseUrlProblem(opts.baseUrl, '--base-url');
    if (problem !== undefined) {
      log(`error: ${problem}`);
      return { exitCode: EXIT.invalidInput };
    }
    plan = { ...plan, target: { ...plan.target, baseUrl: opts.baseUrl } };
  }
  if (opts.seed !== undefined) plan = { ...plan, seed: opts.seed };
  const allowlist = allowedTarget(plan.target.baseUrl, opts.allowHost, log);
  if (!allowlist) return { exitCode: EXIT.invalidInput };

  const runId = newRunId();
  const writeFiles = opts.files ?? true;
  const outDir = opts.out ?? join('reports', runId);
  const threads = Math.max(1, opts.workers ?? 1);
  if (threads > 1 && (plan.setup.length > 0 || plan.verify.length > 0)) {
    log('error: plans with setup or verify steps run on one thread: leave out --workers');
    return { exitCode: EXIT.invalidInput };
  }
  let events: EventSink = new NullEventSink();
  if (writeFiles) {
    try {
      await mkdir(outDir, { recursive: true });
      await access(outDir, constants.W_OK);
      // With worker threads each thread writes its own part; the parts are joined afterwards.
      if (threads === 1) events = await CsvEventSink.open(join(outDir, 'events.csv'), redactor);
    } catch (error) {
      log(`error: cannot write reports to ${outDir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Pass --out with a writable folder.`);
      return { exitCode: EXIT.invalidInput };
    }
  }
  // Worker threads open their own pools; the main thread needs one only when it sends itself.
  const http = threads === 1 ? new UndiciHttpClient({ connections: plan.target.maxConnections, allowlist }) : undefined;
  const signals = installStopSignals(log);
  const summary = opts.summary ?? !opts.quiet;
  if (!opts.quiet) log(`loadfleet: run ${runId}: ${plan.name} (${loaded.kind}), ${describeLoad(plan)} against ${parseBaseUrl(plan.target.baseUrl).display}`);
  let display = { stop: (): void => undefined };
  try {
    const onStart = (progress: Readonly<LiveProgress>): void => {
      display = showProgress(progress, { tty: Boolean(process.stderr.isTTY), quiet: Boolean(opts.quiet) });
    };
    // The abort rule stops the run as a first Ctrl+C does; say so at once, even when quiet.
    const onAbortRule = (verdict: string): void => log(`\n${verdict}\nstarting nothing new, cleaning up what was created.`);
    const common = { plan, kind: loaded.kind, runId, clock: systemClock, stop: signals.stop, kill: signals.kill, warnings: loaded.warnings, onStart, onAbortRule };
    // The report comes back masked (buildReport): report.json, the summary and the caller all get that one.
    const { report } = http
      ? await runLocal({ ...common, http, events, redactor })
      : await runThreaded({ ...common, allowlist, workers: threads, eventsPath: writeFiles ? join(outDir, 'events.csv') : undefined, secrets: loaded.secrets });
    display.stop();
    if (writeFiles) await writeJsonReport(join(outDir, 'report.json'), report);
    if (summary) process.stdout.write(renderSummary(report) + '\n');
    if (!opts.quiet && writeFiles) log(`reports: ${join(outDir, 'report.json')}, ${join(outDir, 'events.csv')}`);
    const exitCode = exitCodeOf(report.status);
    return writeFiles ? { exitCode, report, outDir } : { exitCode, report };
  } finally {
    display.stop();
    signals.dispose();
    await Promise.all([http?.close(), events.close()]);
  }
}

/** One line on what a plan's load model will do, for the run's first log line. */
export function describeLoad(plan: Plan): string {
  const load = plan.load;
  switch (load.model) {
    case 'batches':
      return `${plan.payloads.count ?? 0} lifecycles in batches of ${load.batchSize}, ${load.parallel} at a time`;
    case 'rate':
      return `${load.rate}/s over ${load.workers} worker(s) for ${formatDuration(load.duration)}`;
    case 'vus':
      return `${load.vus} virtual users for ${formatDuration(load.duration)}`;
    case 'burst':
      return `a burst of ${load.count} lifecycles`;
    case 'phases':
      return `${load.phases.length} phases (${load.phases.map((p) => `${p.name}: ${p.users} users, ${formatDuration(p.duration)}`).join('; ')})`;
  }
}
