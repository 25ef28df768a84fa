/**
 * Bench client: autocannon, driven through its programmatic API in this process (no workers), so the
 * CPU this process uses is autocannon's. Closed loop by default; `--rate` sets autocannon's
 * `overallRate` (the `-R` flag). Prints one `ClientResult` line.
 */
import { createRequire } from 'node:module';
import autocannon from 'autocannon';
import { measureCall, parseClientArgs, printResult } from '../lib/client-protocol.ts';

const args = parseClientArgs();
const { version } = createRequire(import.meta.url)('autocannon/package.json') as { version: string };
const run = (durationS: number) => autocannon({
  url: args.url,
  connections: args.connections,
  duration: durationS,
  ...(args.rate !== undefined ? { overallRate: args.rate } : {}),
});

if (args.warmupS > 0) await run(args.warmupS);
const { value: result, cpuUs, elapsedS } = await measureCall(() => run(args.durationS));
printResult({
  tool: 'autocannon',
  version,
  requests: result.requests.total,
  errors: result.errors,
  non2xx: result.non2xx,
  elapsedS,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  cpuUs,
});
