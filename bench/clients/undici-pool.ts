/**
 * Bench client: the floor. A raw undici `Pool` with one connection per user, each user looping
 * request -> read body -> next until the duration ends (closed loop). With `--rate R`, an open loop
 * instead: a 1 ms interval timer (the finest a Node timer fires) sends every start that has fallen due
 * on the uniform schedule `k / R`, at most `connections` in flight (a start with none free is skipped
 * and counted as dropped), each timed from its intended start: the least a Node process on undici does
 * to send a constant rate. Latency goes into an HDR histogram (microseconds). Prints one `ClientResult`
 * line.
 */
import { createRequire } from 'node:module';
import { build } from 'hdr-histogram-js';
import { Pool } from 'undici';
import { measureCall, parseClientArgs, printResult } from '../lib/client-protocol.ts';

const args = parseClientArgs();
const { version } = createRequire(import.meta.url)('undici/package.json') as { version: string };
const url = new URL(args.url);
const path = `${url.pathname}${url.search}`;

/** Counts and latencies of one run. */
interface LoopStats { requests: number; errors: number; non2xx: number; p50Ms: number; p99Ms: number; dropped?: number }

/** What one run counts: answers (latency in an HDR histogram, microseconds), errors, dropped starts. */
class Tally {
  private readonly histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  requests = 0;
  errors = 0;
  non2xx = 0;
  dropped = 0;

  /** An answer with `statusCode`, its latency counted from `from` (the send, or the intended start). */
  answered(statusCode: number, from: number): void {
    this.histogram.recordValue(Math.max(1, Math.round((performance.now() - from) * 1000)));
    this.requests++;
    if (statusCode < 200 || statusCode > 299) this.non2xx++;
  }

  stats(): LoopStats {
    const { requests, errors, non2xx, dropped, histogram } = this;
    return { requests, errors, non2xx, dropped, p50Ms: histogram.getValueAtPercentile(50) / 1000, p99Ms: histogram.getValueAtPercentile(99) / 1000 };
  }
}

async function closedLoop(pool: Pool, durationS: number): Promise<LoopStats> {
  const tally = new Tally();
  const deadline = performance.now() + durationS * 1000;
  const user = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const sentAt = performance.now();
      try {
        const { statusCode, body } = await pool.request({ path, method: 'GET' });
        await body.dump();
        tally.answered(statusCode, sentAt);
      } catch {
        tally.errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: args.connections }, user));
  return tally.stats();
}

async function openLoop(pool: Pool, rate: number, durationS: number): Promise<LoopStats> {
  const tally = new Tally();
  const total = Math.round(rate * durationS);
  const startAt = performance.now();
  let k = 0;
  let inFlight = 0;
  let ended!: () => void;
  const done = new Promise<void>((resolve) => (ended = resolve));
  const finish = (): void => {
    if (k === total && inFlight === 0) ended();
  };
  const send = async (intended: number): Promise<void> => {
    try {
      const { statusCode, body } = await pool.request({ path, method: 'GET' });
      await body.dump();
      tally.answered(statusCode, intended);
    } catch {
      tally.errors++;
    }
    inFlight--;
    finish();
  };
  const timer = setInterval(() => {
    const now = performance.now();
    for (; k < total; k++) {
      const intended = startAt + (k * 1000) / rate;
      if (intended > now) break;
      if (inFlight >= args.connections) tally.dropped++;
      else {
        inFlight++;
        void send(intended);
      }
    }
    if (k === total) {
      clearInterval(timer);
      finish();
    }
  }, 1);
  await done;
  return tally.stats();
}

const pool = new Pool(url.origin, { connections: args.connections, pipelining: 1 });
const { rate } = args;
const load = (durationS: number): Promise<LoopStats> => (rate === undefined ? closedLoop(pool, durationS) : openLoop(pool, rate, durationS));
try {
  if (args.warmupS > 0) await load(args.warmupS);
  const { value, cpuUs, elapsedS } = await measureCall(() => load(args.durationS));
  printResult({ tool: 'undici Pool', version, ...value, elapsedS, cpuUs });
} finally {
  await pool.close();
}
