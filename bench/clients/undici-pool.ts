/**
 * Bench client: the floor. A raw undici `Pool` with one connection per user, each user looping
 * request -> read body -> next until the duration ends (closed loop only). Latency goes into an HDR
 * histogram (microseconds). Prints one `ClientResult` line.
 */
import { createRequire } from 'node:module';
import { build } from 'hdr-histogram-js';
import { Pool } from 'undici';
import { measureCall, parseClientArgs, printResult } from '../lib/client-protocol.ts';

const args = parseClientArgs();
if (args.rate !== undefined) throw new Error('the undici Pool client runs a closed loop only');
const { version } = createRequire(import.meta.url)('undici/package.json') as { version: string };
const url = new URL(args.url);
const path = `${url.pathname}${url.search}`;

/** Counts and latencies of one closed-loop run. */
interface LoopStats { requests: number; errors: number; non2xx: number; p50Ms: number; p99Ms: number }

async function closedLoop(pool: Pool, durationS: number): Promise<LoopStats> {
  const histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const stats = { requests: 0, errors: 0, non2xx: 0 };
  const deadline = performance.now() + durationS * 1000;
  const user = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const sentAt = performance.now();
      try {
        const { statusCode, body } = await pool.request({ path, method: 'GET' });
        await body.dump();
        histogram.recordValue(Math.max(1, Math.round((performance.now() - sentAt) * 1000)));
        stats.requests++;
        if (statusCode < 200 || statusCode > 299) stats.non2xx++;
      } catch {
        stats.errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: args.connections }, user));
  return { ...stats, p50Ms: histogram.getValueAtPercentile(50) / 1000, p99Ms: histogram.getValueAtPercentile(99) / 1000 };
}

const pool = new Pool(url.origin, { connections: args.connections, pipelining: 1 });
try {
  if (args.warmupS > 0) await closedLoop(pool, args.warmupS);
  const { value, cpuUs, elapsedS } = await measureCall(() => closedLoop(pool, args.durationS));
  printResult({ tool: 'undici Pool', version, ...value, elapsedS, cpuUs });
} finally {
  await pool.close();
}
