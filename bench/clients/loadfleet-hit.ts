/**
 * Bench client: `loadfleet hit URL -c N -d Ss [-R rate] [--workers N]`, called in-process through `hitCommand` (the
 * exact code the CLI runs), so CPU is measured the same way as for the other clients. Prints one
 * `ClientResult` line.
 */
import { hitCommand, hitSummary, type HitOptions } from '../../lib/cli/hit-command.ts';
import { measureCall, parseClientArgs, printResult } from '../lib/client-protocol.ts';

const args = parseClientArgs();
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const options = (durationS: number): HitOptions => ({
  connections: args.connections,
  duration: `${Math.round(durationS * 1000)}ms`,
  ...(args.rate !== undefined ? { rate: args.rate } : {}),
  ...(args.workers !== undefined ? { workers: args.workers } : {}),
  method: 'GET',
  timeout: '10s',
  quiet: true,
});

if (args.warmupS > 0) await hitCommand(args.url, options(args.warmupS), log);
const { value: result, cpuUs, elapsedS } = await measureCall(() => hitCommand(args.url, options(args.durationS), log));
if (!result.report) throw new Error(`loadfleet hit produced no report (exit ${result.exitCode})`);
const summary = hitSummary(result.report);
printResult({
  tool: 'loadfleet hit',
  version: summary.version,
  requests: summary.requests,
  errors: summary.errors,
  non2xx: summary.non2xx,
  dropped: result.report.lifecycles.dropped,
  elapsedS,
  loadS: summary.durationS,
  loadFromMs: Date.parse(result.report.startedAt),
  loadToMs: Date.parse(result.report.endedAt),
  p50Ms: summary.p50Ms,
  p99Ms: summary.p99Ms,
  cpuUs,
});
process.exit(0);
