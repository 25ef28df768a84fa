/**
 * Deployment configuration of the fleet stack.
 *
 * It is read from the CDK context key `loadfleet` (cdk.json carries the defaults, `-c loadfleet='{...}'`
 * overrides them) and validated here, before any construct is built, so a bad value fails `cdk synth`
 * with the offending key named instead of failing a deployment half-way.
 *
 * The guardrails that must not be settable by a plan (target allowlist, RPS / duration / request caps,
 * worker concurrency) live here, in deployed configuration, on purpose.
 */
import * as z from 'zod';
import type { Construct } from 'constructs';
import { SecretSourcesSchema } from '../runtime/fleet/secret-sources.ts';

/** CDK context key the stack configuration is read from. */
export const CONFIG_CONTEXT_KEY = 'loadfleet';

// CloudWatch Logs accepts only these retention periods (days); "never expire" is deliberately excluded.
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

// `host` or `host:port`, or a bracketed IPv6 literal with optional port. No scheme, path or wildcard:
// the allowlist is matched exactly, so anything fancier would silently never match.
const HOST_PATTERN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::(?:6553[0-5]|655[0-2]\d|65[0-4]\d{2}|6[0-4]\d{3}|[1-5]\d{4}|[1-9]\d{0,3}))?$/;

// Lambda caps the whole environment at 4 KB and every fleet function carries ALLOWED_HOSTS.
const MAX_ALLOWED_HOSTS_JSON_CHARS = 2048;
// The functions that load plans also carry SECRETS (names and ARNs), within the same 4 KB.
const MAX_SECRETS_JSON_CHARS = 1024;

const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** One EventBridge Scheduler schedule that starts a run from a stored, already-reviewed plan. */
export const ScheduleConfigSchema = z.object({
  /** Construct id and description of the schedule (Scheduler's own name rules). */
  name: z.string().regex(/^[0-9A-Za-z_.-]{1,64}$/, 'use 1-64 letters, digits, "-", "_" or "."'),
  /** `cron(...)`, `rate(...)` or `at(...)`, in EventBridge Scheduler syntax. */
  expression: z.string().regex(/^(?:cron|rate|at)\(.+\)$/, 'must be cron(...), rate(...) or at(...)'),
  /** IANA time zone for cron/at expressions (default: UTC). */
  timezone: z.string().refine(isTimeZone, 'not an IANA time zone').optional(),
  /** S3 key of a stored plan; schedules fire with nobody watching, so they never carry inline plans. */
  planKey: z
    .string()
    .regex(/^plans\/[^\s]+$/, 'must be an S3 key under "plans/"')
    .refine((k) => !k.split('/').includes('..'), 'must not contain ".." segments'),
});

/** Caps the plan step enforces on every run, whatever the plan asks for. */
export const LimitsSchema = z.object({
  maxRps: z.number().int().positive().default(2000),
  maxDurationSeconds: z.number().int().positive().max(86_400).default(3600),
  maxRequests: z.number().int().positive().default(10_000_000),
});

/** Validated shape of the `loadfleet` context value; every field has a default. */
export const FleetConfigSchema = z.object({
  /** Exact `host` or `host:port` a plan may target. Empty = every run is refused until configured. */
  allowedHosts: z
    .array(z.string().regex(HOST_PATTERN, 'must be "host" or "host:port" (no scheme, path or wildcard)'))
    .refine((hs) => JSON.stringify(hs).length <= MAX_ALLOWED_HOSTS_JSON_CHARS, {
      message: `serialised list exceeds ${MAX_ALLOWED_HOSTS_JSON_CHARS} characters (Lambda environment is capped at 4 KB)`,
    })
    .default([]),
  /** SQS event source maximum concurrency = the most workers that can run at once (ESM accepts 2..1000). */
  maxConcurrency: z.number().int().min(2).max(1000).default(10),
  workerMemoryMb: z.number().int().min(128).max(10_240).default(1769),
  workerTimeoutSeconds: z.number().int().min(60).max(900).default(900),
  /** Work units per worker invocation. */
  batchSize: z.number().int().min(1).max(10).default(1),
  /** Receives before a unit is dead-lettered; AWS advises against 1 (a receive can be counted but never delivered). */
  maxReceiveCount: z.number().int().min(2).max(20).default(5),
  limits: LimitsSchema.prefault({}),
  /** Seconds between planning and the common start, covering fan-out and cold starts. */
  startLeadSeconds: z.number().int().min(1).max(900).default(20),
  schedules: z
    .array(ScheduleConfigSchema)
    .refine((ss) => new Set(ss.map((s) => s.name)).size === ss.length, 'schedule names must be unique')
    .default([]),
  reportRetentionDays: z.number().int().min(1).max(3650).default(90),
  logRetentionDays: z
    .number()
    .int()
    .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
      message: `must be one of CloudWatch Logs' retention periods: ${LOG_RETENTION_DAYS.join(', ')}`,
    })
    .default(30),
  /**
   * Secrets plans may use as `${env:NAME}`, by name: `{ TARGET_TOKEN: { ssm: "/loadfleet/target-token" } }`
   * (an SSM parameter, SecureString decrypted) or `{ API_KEY: { secret: "name-or-arn" } }` (Secrets
   * Manager). The functions that load plans read them at run time (cached five minutes) and may read
   * nothing else; on AWS a plan sees no other variable.
   */
  secrets: SecretSourcesSchema.refine((s) => JSON.stringify(s).length <= MAX_SECRETS_JSON_CHARS, {
    message: `serialised secrets exceed ${MAX_SECRETS_JSON_CHARS} characters (Lambda environment is capped at 4 KB)`,
  }).default({}),
  /** Email subscribed to DLQ alarms; no topic is created without it. */
  alarmEmail: z.email().optional(),
  /**
   * Start every function with NODE_OPTIONS=--enable-source-maps, so logged stack traces point at lib/*.ts
   * lines instead of the minified bundle. Off by default: Node then reads and indexes the bundle's source map
   * (1.9 MB for the worker) at every cold start, about 20 ms, an eighth of the worker's. Error messages are
   * the same either way, and the map ships in every asset regardless, so turning this on redeploys
   * configuration only.
   */
  sourceMaps: z.boolean().default(false),
});

/** Fully defaulted, validated stack configuration. */
export type FleetConfig = z.infer<typeof FleetConfigSchema>;
/** One configured schedule. */
export type ScheduleConfig = z.infer<typeof ScheduleConfigSchema>;
/** The run caps the plan step enforces. */
export type FleetLimits = z.infer<typeof LimitsSchema>;

/**
 * Validates a raw configuration value and fills in defaults.
 *
 * @param raw - the context value: an object, a JSON string (what `-c loadfleet=...` yields), or undefined.
 * @throws Error naming every offending key, e.g. `loadfleet.maxConcurrency: Too big: expected number to be <=1000`.
 */
export function parseFleetConfig(raw: unknown): FleetConfig {
  let value: unknown = raw ?? {};
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (err) {
      throw new Error(`Invalid ${CONFIG_CONTEXT_KEY} config: not valid JSON (${(err as Error).message})`, { cause: err });
    }
  }
  const result = FleetConfigSchema.safeParse(value);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const key = [CONFIG_CONTEXT_KEY, ...issue.path.map(String)].join('.');
      return `  ${key}: ${issue.message}`;
    });
    throw new Error(`Invalid ${CONFIG_CONTEXT_KEY} config:\n${lines.join('\n')}`);
  }
  return result.data;
}

/** Reads and validates the `loadfleet` context value visible from `scope`. */
export function readFleetConfig(scope: Construct): FleetConfig {
  return parseFleetConfig(scope.node.tryGetContext(CONFIG_CONTEXT_KEY));
}
