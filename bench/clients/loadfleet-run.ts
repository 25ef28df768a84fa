/**
 * Bench client: `loadfleet run PLAN --quiet --out DIR --base-url URL`, called in-process through
 * `runCommand` (the code the CLI runs, events.csv and report.json included), with this process's CPU
 * measured around the call. Prints one `RunClientResult` line built from the run's report.json.
 *
 *   node --import tsx bench/clients/loadfleet-run.ts --plan plan.yaml --out DIR --base-url URL
 *     [--warmup-plan warmup.yaml --warmup-out DIR2]
 *
 * With `--warmup-plan`, that plan runs first in the same process, not measured (its own report in
 * DIR2), so the measured run starts on warm code, as the `hit` clients do after their warm-up.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCommand } from '../../lib/cli/run-command.ts';
import type { RunReport } from '../../lib/core/report/model.ts';
import { measureCall, type RunClientResult } from '../lib/client-protocol.ts';

const { values } = parseArgs({
  options: { plan: { type: 'string' }, out: { type: 'string' }, 'base-url': { type: 'string' }, 'warmup-plan': { type: 'string' }, 'warmup-out': { type: 'string' } },
});
if (!values.plan || !values.out) throw new Error('--plan and --out are required');
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const options = (out: string) => ({ out, quiet: true, ...(values['base-url'] ? { baseUrl: values['base-url'] } : {}) });
const opts = options(values.out);

if (values['warmup-plan']) {
  if (!values['warmup-out']) throw new Error('--warmup-plan needs --warmup-out');
  const warmup = await runCommand(values['warmup-plan'], options(values['warmup-out']), log);
  if (warmup.exitCode !== 0) throw new Error(`the warm-up run exited ${warmup.exitCode}`);
}

const { value: run, cpuUs, elapsedS } = await measureCall(() => runCommand(values.plan as string, opts, log));
const report = JSON.parse(await readFile(join(values.out, 'report.json'), 'utf8')) as RunReport;
const result: RunClientResult = {
  status: report.status,
  exitCode: run.exitCode,
  requests: report.totals.requests,
  errors: report.totals.errors,
  lifecycles: { completed: report.lifecycles.completed, failed: report.lifecycles.failed, dropped: report.lifecycles.dropped },
  nonTerminal: report.nonTerminal.count,
  p50Ms: report.totals.latencyMs.p50,
  p99Ms: report.totals.latencyMs.p99,
  ...(report.starts ? { skewMs: report.starts.skewMs } : {}),
  elapsedS,
  cpuUs,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
