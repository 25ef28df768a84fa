/**
 * The ceilings of a plan: the largest (and, where zero means nothing, the smallest) value every count,
 * rate, size and duration may take. Each is chosen so that a plan at the ceiling runs in bounded memory
 * and time on one process and fits what the AWS fleet sends and stores (an SQS message of 1 MiB, a
 * DynamoDB item of 400 KB, a Step Functions state of 256 KiB, a Lambda invocation of 15 minutes).
 * README: "Ceilings" lists them with the same reasons. Validation messages name the ceiling, see
 * {@link overCeiling}.
 */

const HOUR_MS = 3_600_000;

/**
 * Requests (or lifecycle starts) per second of one run: `load.rate`, `limits.maxRps`, `rateLimit`,
 * a phase's `spawnRate`. Above what one process sends (about 63,000/s measured, bench/RESULTS.md) and
 * 50 times the fleet's default cap; at it, a rate unit's wake-ups still start a few starts each.
 */
export const MAX_RPS = 100_000;

/**
 * The longest load (`rate` and `vus` durations, the phases together) and the longest single duration
 * anywhere in a plan (waits, poll intervals, backoffs, think times, a burst's start delay): a day, the
 * stack's own ceiling on a run (`loadfleet.limits.maxDurationSeconds` 86,400). No wait inside a run
 * needs to outlast the longest run.
 */
export const MAX_DURATION_MS = 24 * HOUR_MS;

/**
 * `limits.maxDuration`, the wall-clock cap of a whole run: the longest load plus an hour to drain and
 * clean up (presets add a minute; a burst at most its start delay plus four request timeouts).
 */
export const MAX_RUN_DURATION_MS = MAX_DURATION_MS + HOUR_MS;

/**
 * A request's deadline (`timeout`): one Lambda invocation lasts at most 15 minutes, so a request that
 * has not answered by then never will for the fleet; a target that slow is down, not loaded.
 */
export const MAX_TIMEOUT_MS = 15 * 60_000;

/** The shortest request deadline: 0 would time every request out at the next sweep, at random. */
export const MIN_TIMEOUT_MS = 1;

/**
 * Requests in one run (`limits.maxRequests`): the most the ceilings let a run send, `MAX_RPS` for
 * `MAX_DURATION_MS` (8.64e9), rounded up. A cap above it caps nothing. It is a counter, never an array.
 */
export const MAX_REQUESTS = 10_000_000_000;

/**
 * Things at once: `limits.maxConcurrency`, virtual users, a burst's `count`, `maxInFlight`, a phase's
 * `users`. Each holds one lifecycle (a few kilobytes) and up to one socket; one process holds at most
 * about 64,000 sockets to one target address, the fleet 1,000 workers of 100.
 */
export const MAX_CONCURRENCY = 100_000;

/**
 * Units a load model is cut into (`workers`, `slices`): one SQS message and one DynamoDB row each, and
 * locally one schedule each. 10,000 is ten times the fleet's largest concurrency (1,000 workers).
 */
export const MAX_WORKERS = 10_000;

/**
 * Units of one run in all (a `batches` run has one per batch): the fleet's Plan step writes a DynamoDB
 * row for each (25 per call) and the Dispatch step sends an SQS message for each (10 per call), so
 * 100,000 units are 4,000 and 10,000 calls, well within those steps' 60 s and 300 s.
 */
export const MAX_UNITS = 100_000;

/**
 * Payloads of a run (`payloads.count`): each `exactly` field keeps a 2-byte table entry per payload,
 * a `groupBy` 8 bytes, so 1,000,000 payloads cost at most a few tens of megabytes to plan.
 */
export const MAX_PAYLOADS = 1_000_000;

/**
 * Lifecycles per batch (`batchSize`): a batch unit lists its payload indices (up to 8 characters each
 * in JSON), so 10,000 of them are about 80 KB, well inside an SQS message (1 MiB) and a DynamoDB item.
 */
export const MAX_BATCH_SIZE = 10_000;

/** Batches running at once (`parallel`). */
export const MAX_PARALLEL_BATCHES = 1000;

/** Sockets to the target (`maxConnections`): a file descriptor each. */
export const MAX_CONNECTIONS = 10_000;

/** Retries of one request (`retry.max`). */
export const MAX_RETRIES = 20;

/** Attempts of one poll (`maxAttempts`). */
export const MAX_POLL_ATTEMPTS = 10_000;

/**
 * Growth of a backoff per attempt (`retry.factor`, `poll.backoff`): at 10 a delay passes any ceiling
 * in a few attempts, and its cap (`maxBackoff`, `maxEvery`) takes over.
 */
export const MAX_BACKOFF_FACTOR = 10;

/** A relative weight (`choose.weights`, a phase's `weights`, `pick.weights`): weights only compare. */
export const MAX_WEIGHT = 1_000_000;

/** Consecutive failures that open a circuit breaker (`failureThreshold`); `false` turns it off. */
export const MAX_FAILURE_THRESHOLD = 1_000_000;

/** A phase's per-user intensity (`arrivalRate`): think times divided by more are below a millisecond. */
export const MAX_ARRIVAL_RATE = 1000;

/** The mean tasks of a session (`session.mean`). */
export const MAX_SESSION_TASKS = 1_000_000;

/**
 * `exactly` fields in a plan: each keeps a table of `payloads.count` entries (2 MB at the payload
 * ceiling), built by every worker that compiles the plan.
 */
export const MAX_EXACTLY_FIELDS = 16;

/** Values of one `exactly` field: the table numbers them in 16 bits. */
export const MAX_EXACTLY_VALUES = 65_536;

/** Zero-padding width of a template (`{{seq:06}}`): a safe integer has 16 digits. */
export const MAX_PAD_WIDTH = 32;

/**
 * Plan text, in UTF-8 bytes. Inline, the plan travels JSON-escaped in the Step Functions execution
 * input (256 KiB), and the fleet stores it JSON-escaped in the run's DynamoDB row (400 KB) beside the
 * values setup captured. Escaping at most doubles a plan (a plan holds no raw control characters but
 * tab and line breaks), so 120 KiB fits the input with 16 KiB to spare, and the row with 150 KB.
 */
export const MAX_PLAN_BYTES = 120 * 1024;

/** The README section that lists the ceilings, named in every message about one. */
export const CEILINGS_DOC = 'see README: Ceilings';

/**
 * A zod `error` for a value over its ceiling: the ceiling, the value given, and why, e.g.
 * `at most 100000 per second, got 1000000000000 (the ceiling for one run; see README: Ceilings)`.
 *
 * @example
 * z.number().max(MAX_RPS, { error: overCeiling(`${MAX_RPS} per second`, 'the ceiling for one run') });
 */
export function overCeiling(ceiling: string, why: string, show: (value: number) => string = String): (issue: { input?: unknown }) => string {
  return (issue) => `at most ${ceiling}, got ${typeof issue.input === 'number' ? show(issue.input) : String(issue.input)} (${why}; ${CEILINGS_DOC})`;
}

const UNITS: ReadonlyArray<readonly [string, number]> = [['h', HOUR_MS], ['m', 60_000], ['s', 1000]];

/**
 * A duration as it is written in a plan, in the largest unit it is a whole number of (`24h`, `15m`,
 * `90s`, `250ms`), for messages about ceilings and floors.
 */
export function formatPlanDuration(ms: number): string {
  for (const [unit, size] of UNITS) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
