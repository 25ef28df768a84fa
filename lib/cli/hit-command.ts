import { parseDuration } from '../core/duration.ts';
import { MAX_REQUESTS, MAX_RPS } from '../core/ceilings.ts';
import { loadPlan } from '../core/plan/plan-loader.ts';
import { HEADER_VALUE_RULE, forbiddenHeaderChar, isHeaderName } from '../core/plan/headers.ts';
import { PlanValidationError } from '../core/plan/source.ts';
import { LoadfleetError } from '../core/errors.ts';
import { RatioSchema } from '../core/plan/expectations.ts';
import { NO_RETRY } from '../core/presets/common.ts';
import type { PlanInput } from '../core/plan/schema.ts';
import type { RunReport } from '../core/report/model.ts';
import { LOADFLEET_VERSION } from '../adapters/http/undici-client.ts';
import { noteSecrets } from './crash-report.ts';
import { EXIT } from './exit-codes.ts';
import { executePlan, type RunCommandResult } from './run-command.ts';

/** Options of `loadfleet hit URL`, named as autocannon and hey name them. */
export interface HitOptions {
  readonly connections: number;
  readonly duration: string;
  readonly rate?: number;
  readonly method: string;
  readonly header?: readonly string[];
  readonly body?: string;
  readonly timeout: string;
  readonly json?: boolean;
  readonly out?: string;
  readonly quiet?: boolean;
  readonly allowHost?: readonly string[];
  /** Worker threads (each one an HTTP pool and an event loop); default 1. */
  readonly workers?: number;
  /** Run-wide cap on requests per second (limits.maxRps); default and ceiling `MAX_RPS` (100,000). */
  readonly maxRps?: number;
  /** `--abort-on-error-rate`: the abort rule's threshold, e.g. "50%" or 0.5 (default: the plan default). */
  readonly abortOnErrorRate?: string;
  /** `--no-abort` sets it false: no abort rule. */
  readonly abort?: boolean;
}

/**
 * Compiles `hit` options into a general plan: one request, and a closed (`vus`, one user per
 * connection) or open (`rate`, at most `connections` in flight) load. No retries and no circuit breaker,
 * so every request the load asks for is sent and counted, as autocannon and hey do. The abort rule is
 * the plan's default unless `--abort-on-error-rate` or `--no-abort` says otherwise, and one expectation,
 * an error rate below 100%, fails the run (exit 1) when every request failed.
 */
export function hitPlan(url: string, opts: HitOptions): PlanInput {
  const target = new URL(url);
  const headers: Record<string, string> = {};
  for (const line of opts.header ?? []) {
    const at = line.indexOf(':');
    if (at <= 0) throw new LoadfleetError('HIT_INVALID', `invalid header ${JSON.stringify(line)}: use "Name: value"`);
    const name = line.slice(0, at).trim().toLowerCase();
    const value = line.slice(at + 1).trim();
    // Checked here, so the message names the -H option (a plan's headers are checked with their position).
    if (!isHeaderName(name)) throw new LoadfleetError('HIT_INVALID', `invalid -H header name ${JSON.stringify(name)}: a header name is letters, digits and !#$%&'*+-.^_\`|~ only`);
    const char = forbiddenHeaderChar(value);
    // The value is not quoted: it may be a token.
    if (char !== undefined) throw new LoadfleetError('HIT_INVALID', `invalid -H ${name}: the value holds ${char}: ${HEADER_VALUE_RULE}`);
    headers[name] = value;
  }
  const above = opts.abortOnErrorRate === undefined ? undefined : abortThreshold(opts.abortOnErrorRate);
  const duration = parseDuration(opts.duration);
  if (duration === undefined || duration <= 0) throw new LoadfleetError('HIT_INVALID', `invalid duration ${JSON.stringify(opts.duration)}: use e.g. 10s`);
  const load = opts.rate !== undefined
    ? { model: 'rate' as const, rate: opts.rate, workers: opts.workers ?? 1, duration, maxInFlight: opts.connections, startJitter: false }
    : { model: 'vus' as const, vus: opts.connections, duration, workers: opts.workers ?? 1 };
  return {
    kind: 'custom',
    name: 'hit',
    target: { baseUrl: baseUrlOf(target), headers, timeout: opts.timeout, retry: NO_RETRY, maxConnections: opts.connections, circuitBreaker: false },
    requests: { hit: { method: opts.method.toUpperCase() as 'GET', path: `${target.pathname}${target.search}`, ...(opts.body !== undefined ? { body: opts.body } : {}), retry: false } },
    lifecycle: [{ request: 'hit' }],
    load,
    // No cap on requests beyond the ceiling: the duration ends a hit. The rate cap is the ceiling unless --max-rps lowers it.
    limits: {
      maxRequests: MAX_REQUESTS, maxDuration: duration + 60_000, maxConcurrency: opts.connections, maxRps: opts.maxRps ?? HIT_MAX_RPS,
      ...(opts.abort === false ? { abortOnErrorRate: false as const } : above !== undefined ? { abortOnErrorRate: { above } } : {}),
    },
    // A hit whose every request failed exits 1, as autocannon users expect of a dead target.
    expect: [{ errorRate: { below: 1 } }],
  };
}

/** `--abort-on-error-rate`'s value, "20%" or 0.2, as a fraction below 1. */
function abortThreshold(value: string): number {
  const text = value.trim();
  const ratio = RatioSchema.safeParse(/^\d*\.?\d+$/.test(text) ? Number(text) : text);
  if (!ratio.success || ratio.data >= 1) throw new LoadfleetError('HIT_INVALID', `invalid --abort-on-error-rate ${JSON.stringify(value)}: use a share below 100% such as "20%" or 0.2, or --no-abort`);
  return ratio.data;
}

/** The URL's origin, with its userinfo (sent as Basic auth, like curl's `-u`) when it has some. */
function baseUrlOf(url: URL): string {
  return url.username !== '' || url.password !== '' ? `${url.protocol}//${url.username}:${url.password}@${url.host}` : url.origin;
}

/** `hit`'s default cap on requests per second: the ceiling of a run, above what one core can send. */
export const HIT_MAX_RPS = MAX_RPS;

/** The flag that sets each key of the plan `hit` builds, so a refusal names what the user typed. */
const HIT_FLAGS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^load\.rate$/, '-R/--rate'],
  [/^(load\.duration|limits\.maxDuration)$/, '-d/--duration'],
  [/^(load\.vus|load\.maxInFlight|target\.maxConnections|limits\.maxConcurrency)$/, '-c/--connections'],
  [/^(target|requests\.hit)\.timeout$/, '--timeout'],
  [/^limits\.maxRps$/, '--max-rps'],
  [/^limits\.abortOnErrorRate/, '--abort-on-error-rate'],
  [/^load\.workers$/, '--workers'],
  [/^requests\.hit\.method$/, '-m/--method'],
  [/^requests\.hit\.body$/, '-b/--body'],
  [/^target\.headers/, '-H/--header'],
];

/** The first problem of each flag (or key) of the plan `hit` built, led by the flag that set the key. */
function hitIssues(error: PlanValidationError): string[] {
  const byFlag = new Map<string, string>();
  for (const issue of error.issues) {
    const flag = HIT_FLAGS.find(([key]) => key.test(issue.path))?.[1] ?? (issue.path || 'hit');
    if (!byFlag.has(flag)) byFlag.set(flag, `${flag}: ${issue.message}`);
  }
  return [...byFlag.values()];
}

/** The one-line summary `hit --json` prints, in autocannon's spirit. */
export interface HitSummary {
  requests: number;
  errors: number;
  non2xx: number;
  durationS: number;
  p50Ms: number;
  p99Ms: number;
  version: string;
}

/** Reduces a run report to the `hit --json` line: transport errors apart from non-2xx answers. */
export function hitSummary(report: RunReport): HitSummary {
  const endpoint = report.endpoints.hit;
  const errors = endpoint?.errors ?? {};
  const non2xx = (errors.http4xx ?? 0) + (errors.http5xx ?? 0) + (errors['unexpected-status'] ?? 0);
  return {
    requests: report.totals.requests,
    errors: (endpoint?.errorCount ?? 0) - non2xx,
    non2xx,
    durationS: report.durationMs / 1000,
    p50Ms: endpoint?.latencyMs.p50 ?? 0,
    p99Ms: endpoint?.latencyMs.p99 ?? 0,
    version: LOADFLEET_VERSION,
  };
}

/**
 * `loadfleet hit URL`: the quick mode users expect from autocannon or hey, run through the same engine
 * as every plan (the options compile to a general plan, validated like a plan file).
 */
export async function hitCommand(url: string, opts: HitOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<RunCommandResult> {
  let loaded;
  try {
    const plan = hitPlan(url, opts);
    loaded = loadPlan(JSON.stringify(plan), 'hit', process.env);
    noteSecrets(loaded.secrets);
  } catch (error) {
    if (error instanceof PlanValidationError) {
      for (const line of hitIssues(error)) log(`error: ${line}`);
      return { exitCode: EXIT.invalidInput };
    }
    if (error instanceof LoadfleetError || error instanceof TypeError) {
      log(`error: ${(error as Error).message}`);
      return { exitCode: EXIT.invalidInput };
    }
    throw error;
  }
  const quiet = opts.quiet ?? opts.json ?? false;
  const result = await executePlan(loaded, { out: opts.out, quiet, allowHost: opts.allowHost, files: opts.out !== undefined, summary: !quiet, workers: opts.workers }, log);
  if (opts.json && result.report) process.stdout.write(`${JSON.stringify(hitSummary(result.report))}\n`);
  return result;
}
