import * as z from 'zod';
import { FleetConfigError } from './errors.ts';

const JsonArrayOfStrings = z.string().transform((text, ctx) => {
  try {
    return z.array(z.string()).parse(JSON.parse(text));
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON array of host names, e.g. ["api.example.com"]' });
    return z.NEVER;
  }
});

/** Caps a deployment puts on every plan, whatever the plan says (checked at plan time, again by workers). */
export const FleetLimitsSchema = z.strictObject({
  maxRps: z.number().positive(),
  maxDurationSeconds: z.number().positive(),
  maxRequests: z.number().int().positive(),
});
export type FleetLimits = z.output<typeof FleetLimitsSchema>;

/**
 * `FleetEnvSchema`: what the stack hands every fleet Lambda in its environment (see lib/infra/functions.ts).
 * Parsed once per cold start, so a misconfigured deployment fails loudly with the variable's name.
 */
export const FleetEnvSchema = z.object({
  TABLE_NAME: z.string().min(1),
  QUEUE_URL: z.string().min(1),
  BUCKET_NAME: z.string().min(1),
  ALLOWED_HOSTS: JsonArrayOfStrings.default([]),
  LIMITS: z
    .string()
    .transform((text) => FleetLimitsSchema.parse(JSON.parse(text)))
    .default({ maxRps: 2000, maxDurationSeconds: 3600, maxRequests: 10_000_000 }),
  WORKER_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(900),
  START_LEAD_SECONDS: z.coerce.number().min(0).default(20),
  MAX_CONCURRENCY: z.coerce.number().int().min(1).default(10),
});

/** The fleet's deployment settings, as the Lambdas see them. */
export interface FleetEnv {
  readonly tableName: string;
  readonly queueUrl: string;
  readonly bucket: string;
  readonly allowedHosts: readonly string[];
  readonly limits: FleetLimits;
  readonly workerTimeoutMs: number;
  readonly startLeadMs: number;
  readonly maxConcurrency: number;
}

/** Reads the fleet settings from an environment; throws naming each bad variable. */
export function fleetEnv(env: Readonly<Record<string, string | undefined>>): FleetEnv {
  const parsed = FleetEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new FleetConfigError(`loadfleet: the function's environment is not a valid fleet configuration (${problems}); redeploy the stack`);
  }
  const e = parsed.data;
  return {
    tableName: e.TABLE_NAME, queueUrl: e.QUEUE_URL, bucket: e.BUCKET_NAME, allowedHosts: e.ALLOWED_HOSTS, limits: e.LIMITS,
    workerTimeoutMs: e.WORKER_TIMEOUT_SECONDS * 1000, startLeadMs: e.START_LEAD_SECONDS * 1000, maxConcurrency: e.MAX_CONCURRENCY,
  };
}
