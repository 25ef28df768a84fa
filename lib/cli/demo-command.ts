import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTarget, type TargetStats } from '../target/index.ts';
import { EXIT } from './exit-codes.ts';
import { runCommand, type RunCommandOptions, type RunCommandResult } from './run-command.ts';

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples');

/**
 * `loadfleet demo [WORKLOAD]`: starts the bundled demo target on a free loopback port, runs
 * examples/WORKLOAD.yaml against it, and prints the target's ground truth beside the report.
 */
export async function demoCommand(workload: string, opts: RunCommandOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<RunCommandResult & { stats?: TargetStats }> {
  const file = join(EXAMPLES, `${workload}.yaml`);
  if (!existsSync(file)) {
    log(`error: no example plan for "${workload}" (looked for ${file})`);
    return { exitCode: EXIT.invalidInput };
  }
  const target = await startTarget({ host: '127.0.0.1', port: 0, acceptDelayMs: 50 });
  try {
    if (!opts.quiet) log(`demo target listening on ${target.url}`);
    const result = await runCommand(file, { ...opts, baseUrl: target.url }, log);
    const stats = target.stats();
    if (!opts.quiet && result.report) {
      const o = stats.orders;
      process.stdout.write(
        `target ground truth: orders ${o.total} (${Object.entries(o.byState).map(([s, n]) => `${s} ${n}`).join(', ')}), non-terminal ${o.nonTerminal}\n`,
      );
    }
    return { ...result, stats };
  } finally {
    await target.close();
  }
}
