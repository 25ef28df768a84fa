#!/usr/bin/env -S node --import=tsx
/**
 * The loadfleet CLI: `run`, `validate`, `target`, `hit`, `demo`, and `fleet stop|report` for AWS runs. Exit codes: 0 ok, 1 expectations failed or the abort rule fired,
 * 2 invalid plan or usage, 70 internal error (a bug: one line, no stack), 130 stopped by a signal (see lib/cli/signals.ts).
 *
 * The `loadfleet` command is bin/loadfleet.mjs, which registers tsx and imports this file in one node
 * process. The hashbang above does the same (node --import=tsx, tsx resolved from the current
 * folder) for ./bin/loadfleet.ts run from the repository, and for an npx cache made while this
 * file was the `bin`: either way no wrapper process stands between a signal and the run.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { exitOnUncaught, installCrashHandlers, noteActivity, runGuarded } from '../lib/cli/crash-report.ts';
import { demoCommand } from '../lib/cli/demo-command.ts';
import { EXIT } from '../lib/cli/exit-codes.ts';
import { hitCommand, type HitOptions } from '../lib/cli/hit-command.ts';
import { runCommand, type RunCommandOptions } from '../lib/cli/run-command.ts';
import { validateCommand, type ValidateOptions } from '../lib/cli/validate-command.ts';
import { isLoopbackHost } from '../lib/core/allowlist/allowlist.ts';
import { parseFaultConfig, type FaultConfigInput } from '../lib/target/faults.ts';

// Whatever escapes a command (a timer, an unawaited promise) ends as one line and exit 70, never a stack.
installCrashHandlers();

/** Exits with what `command` returns; an error it throws is reported by `runGuarded` (no stack). */
const exitWith = async (activity: string, command: () => Promise<number>): Promise<never> => process.exit(await runGuarded(activity, command));

const integer = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
};
function parseFaults(value: string): FaultConfigInput {
  try {
    return parseFaultConfig(JSON.parse(value));
  } catch (error) {
    throw new InvalidArgumentError(`invalid --faults: ${(error as Error).message}`);
  }
}
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const program = new Command()
  .name('loadfleet')
  .description('A load fleet for APIs whose work comes in lifecycles.')
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT.invalidInput))
  .showHelpAfterError();

const withRunOptions = (cmd: Command): Command =>
  cmd
    .option('--out <dir>', 'folder for report.json and events.csv (default reports/<run-id>)')
    .option('--seed <n>', 'override the plan seed', integer)
    .option('--quiet', 'no progress and no summary')
    .option('--allow-host <host>', 'allow a non-loopback target host you own (repeatable)', collect)
    .option('--workers <n>', 'run the units on N worker threads (when one core is not enough)', integer);

withRunOptions(program.command('run').argument('<plan>', 'plan file (YAML or JSON)').description('run a plan on this machine'))
  .option('--base-url <url>', 'override the target base URL')
  .action((plan: string, opts: RunCommandOptions) => exitWith(`running ${plan}`, async () => (await runCommand(plan, opts)).exitCode));

program
  .command('validate')
  .argument('<plan>', 'plan file (YAML or JSON)')
  .description('check a plan: every problem with file:line:col and key, and its target against the allowlist; exit 2 if any')
  .option('--allow-host <host>', 'allow a non-loopback target host you own, as run does (repeatable)', collect)
  .action((plan: string, opts: ValidateOptions) => exitWith(`validating ${plan}`, () => validateCommand(plan, opts)));

program
  .command('target')
  .description('run the bundled demo target (ground truth at GET /_stats, faults at PUT /_faults)')
  .option('--port <n>', 'port (0 = any free port)', integer, 8080)
  .option('--host <host>', 'address to bind (loopback only)', '127.0.0.1')
  .option('--accept-delay <ms>', 'ms before a created order becomes Accepted', integer, 200)
  .option('--faults <json>', 'initial faults, e.g. \'{"endpoints":{"GET /details":{"errorRate":0.2}}}\'', parseFaults)
  .action(async (opts: { port: number; host: string; acceptDelay: number; faults?: FaultConfigInput }) => {
    if (!isLoopbackHost(opts.host)) program.error(`error: the demo target binds loopback only, not ${opts.host}`, { exitCode: EXIT.invalidInput });
    // It runs until a signal: an error after the start is an uncaught one (see installCrashHandlers).
    noteActivity('running the demo target');
    // The target (and its optional PostgreSQL driver) loads only for this command.
    const { startTarget } = await import('../lib/target/index.ts');
    const target = await startTarget({ host: opts.host, port: opts.port, acceptDelayMs: opts.acceptDelay, faults: opts.faults });
    process.stdout.write(`demo target listening on ${target.url} (Ctrl+C to stop)\n`);
    const close = (): void => void target.close().then(() => process.exit(0));
    process.once('SIGINT', close);
    process.once('SIGTERM', close);
  });

const fleet = program.command('fleet').description('work with runs of the deployed AWS fleet (see README: Run it on AWS)');
const withFleetTarget = (cmd: Command): Command =>
  cmd.option('--region <region>', 'AWS region (default: your AWS configuration)').addOption(new Option('--endpoint <url>', 'send AWS calls to this emulator').hideHelp());
withFleetTarget(fleet.command('stop').argument('<runId>').description('set the run\'s stop flag: nothing new starts, created entities are cleaned up'))
  .requiredOption('--table <name>', 'the stack output TableName')
  .option('--reason <text>', 'why, kept in the report', 'stopped from the CLI')
  .action((runId: string, opts: { table: string; reason: string; region?: string; endpoint?: string }) =>
    exitWith(`stopping fleet run ${runId}`, async () => {
      const { fleetStopCommand } = await import('../lib/cli/fleet-command.ts');
      return fleetStopCommand(runId, opts.reason, opts, (l) => process.stderr.write(`${l}\n`));
    }));
withFleetTarget(fleet.command('report').argument('<runId>').description('fetch a run\'s report.json and events.csv from the report bucket and print the summary'))
  .requiredOption('--bucket <name>', 'the stack output ReportBucketName')
  .option('--out <dir>', 'folder to write them to (default reports/<runId>)')
  .action((runId: string, opts: { bucket: string; out?: string; region?: string; endpoint?: string }) =>
    exitWith(`fetching the report of fleet run ${runId}`, async () => {
      const { fleetReportCommand } = await import('../lib/cli/fleet-command.ts');
      return fleetReportCommand(runId, opts.out, opts, (l) => process.stderr.write(`${l}\n`));
    }));

program
  .command('hit')
  .argument('<url>', 'the URL to load (loopback unless --allow-host)')
  .description('quick mode: hammer one URL (closed loop, or a constant rate with -R), through the same engine as every plan')
  .option('-c, --connections <n>', 'concurrent connections (closed loop: users; with -R: most in flight)', integer, 50)
  .option('-d, --duration <d>', 'how long, e.g. 10s', '10s')
  .option('-R, --rate <n>', 'constant rate in requests per second (open model, latency from the intended start)', Number)
  .option('-m, --method <method>', 'HTTP method', 'GET')
  .option('-H, --header <header>', 'request header "Name: value" (repeatable)', collect)
  .option('-b, --body <body>', 'request body')
  .option('--timeout <d>', 'per-request deadline', '10s')
  .option('--json', 'print one JSON summary line only')
  .option('--out <dir>', 'also write report.json and events.csv there')
  .option('--quiet', 'no progress and no summary')
  .option('--max-rps <n>', 'cap on requests per second for the whole run', Number)
  .option('--workers <n>', 'worker threads, each with its own connections (-c is split among them)', integer)
  .option('--allow-host <host>', 'allow a non-loopback host you own (repeatable)', collect)
  .option('--abort-on-error-rate <ratio>', 'stop (exit 1) when more than this share of the last 10 s of requests failed, e.g. 20% (default 50%)')
  .option('--no-abort', 'never stop on errors (the run still exits 1 when every request failed)')
  .action((url: string, opts: HitOptions) => exitWith(`hitting ${withoutUserinfo(url)}`, async () => (await hitCommand(url, opts)).exitCode));

withRunOptions(program.command('demo').argument('[workload]', 'example to run', 'day-in-life').description('start the demo target and run examples/WORKLOAD.yaml against it'))
  .action((workload: string, opts: RunCommandOptions) => exitWith(`running the demo ${workload}`, async () => (await demoCommand(workload, opts)).exitCode));

/** A URL for a message, without a user:password part (it would be a credential). */
function withoutUserinfo(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.href;
  } catch {
    return url;
  }
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // An action without its own guard (the demo target's start) threw.
  exitOnUncaught(error);
}
