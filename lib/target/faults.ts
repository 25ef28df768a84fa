/**
 * Fault injection for the demo target: per-endpoint error rates and latency, drawn from a seeded
 * generator so a test that injects "20% of activations fail" sees the same failures every run.
 */
import * as z from 'zod';
import { LoadfleetError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';

/** Longest latency a rule may inject (10 minutes): a typo like `latencyMs: 6e7` should be refused, not hang a test. */
export const MAX_INJECTED_LATENCY_MS = 600_000;

/** `FAULT_WILDCARD` is the rule key that applies to every endpoint without a rule of its own. */
export const FAULT_WILDCARD = '*';

/** `EndpointFaultSchema` validates one endpoint's rule; every field is optional and defaults to "no fault". */
export const EndpointFaultSchema = z.strictObject({
  /** Probability in [0, 1] that a request is answered with `errorStatus` instead of being handled. */
  errorRate: z.number().min(0).max(1).default(0),
  errorStatus: z.number().int().min(400).max(599).default(503),
  /** Delay added before the request is handled (faulted or not). */
  latencyMs: z.number().min(0).max(MAX_INJECTED_LATENCY_MS).default(0),
  /** Extra delay drawn uniformly from [0, latencyJitterMs). */
  latencyJitterMs: z.number().min(0).max(MAX_INJECTED_LATENCY_MS).default(0),
});

/** `EndpointFault` is a validated rule with defaults filled in. */
export type EndpointFault = z.infer<typeof EndpointFaultSchema>;

const RuleKeySchema = z
  .string()
  .regex(/^(\*|[A-Z]+ \/\S*)$/, 'must be "*" or "<METHOD> <path>", e.g. "POST /activate"');

/**
 * `FaultConfigSchema` validates a whole fault configuration. A rule keyed by an endpoint replaces the
 * `"*"` rule for that endpoint (they are not merged), so one can say "everything is slow, except
 * /details, which fails instead".
 */
export const FaultConfigSchema = z.strictObject({
  /** Seed of the generator behind error and jitter draws; the same config replays the same faults. */
  seed: z.number().int().default(1),
  endpoints: z.record(RuleKeySchema, EndpointFaultSchema).default({}),
});

/** `FaultConfig` is a validated fault configuration, defaults filled in. */
export type FaultConfig = z.infer<typeof FaultConfigSchema>;

/** `FaultConfigInput` is what callers may pass: the same shape with optional fields. */
export type FaultConfigInput = z.input<typeof FaultConfigSchema>;

/** `FaultDecision` is what happens to one request: a delay, then maybe an error status. */
export interface FaultDecision {
  readonly latencyMs: number;
  /** When set, answer with this status and `{ error: "injected fault" }` without touching state. */
  readonly errorStatus?: number;
}

const NO_FAULT: FaultDecision = { latencyMs: 0 };

/** `FaultConfigError` is thrown by `FaultController.set` for an invalid configuration. */
export class FaultConfigError extends LoadfleetError {
  /** One line per problem, each starting with its key path. */
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super('TARGET_FAULTS_INVALID', `invalid fault config: ${issues.join('; ')}`);
    this.issues = issues;
  }
}

/**
 * `FaultController` holds the current fault rules and decides, per request, whether to delay or fail
 * it. Each endpoint draws from its own seeded stream in arrival order, so its faults replay exactly.
 *
 * @example
 * const faults = new FaultController({ seed: 7, endpoints: { 'POST /activate': { errorRate: 0.2 } } });
 * faults.decide('POST /activate'); // { latencyMs: 0 } or { latencyMs: 0, errorStatus: 503 }
 */
export class FaultController {
  private config: FaultConfig = FaultConfigSchema.parse({});
  /** One generator per endpoint key and purpose, created on first use. */
  private streams = new Map<string, Rng>();

  /** Creates a controller; throws `FaultConfigError` if `config` is invalid. */
  constructor(config: FaultConfigInput = {}) {
    this.set(config);
  }

  /** Replaces the whole configuration and restarts the generator from its seed. */
  set(config: FaultConfigInput): void {
    this.config = parseFaultConfig(config);
    this.streams = new Map();
  }

  /** The current configuration, defaults filled in (a copy). */
  get(): FaultConfig {
    return structuredClone(this.config);
  }

  /** Removes every rule (keeps the seed). */
  clear(): void {
    this.set({ seed: this.config.seed });
  }

  /** Restarts the generators from the configured seed, so a reset target replays the same faults. */
  reseed(): void {
    this.streams = new Map();
  }

  /** Decides the fate of one request to `key` (`"<METHOD> <path>"`). */
  decide(key: string): FaultDecision {
    const rule = this.config.endpoints[key] ?? this.config.endpoints[FAULT_WILDCARD];
    if (!rule) return NO_FAULT;
    // Each endpoint and purpose has its own stream, so the n-th request to POST /activate meets the
    // same fate however concurrent traffic to other endpoints interleaves, and adding jitter does not
    // move the error draws.
    const failed = rule.errorRate > 0 && this.stream(key, 'error').float() < rule.errorRate;
    const jitter = rule.latencyJitterMs > 0 ? this.stream(key, 'jitter').float() * rule.latencyJitterMs : 0;
    const latencyMs = rule.latencyMs + jitter;
    return failed ? { latencyMs, errorStatus: rule.errorStatus } : { latencyMs };
  }

  private stream(key: string, purpose: 'error' | 'jitter'): Rng {
    const id = `${purpose} ${key}`;
    let rng = this.streams.get(id);
    if (!rng) {
      rng = Rng.derive(this.config.seed, purpose, key);
      this.streams.set(id, rng);
    }
    return rng;
  }
}

/** `parseFaultConfig` validates untrusted input; throws `FaultConfigError` listing every problem. */
export function parseFaultConfig(input: unknown): FaultConfig {
  const result = FaultConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new FaultConfigError(result.error.issues.map((i) => `${formatPath(i.path)}: ${issueMessage(i)}`));
}

function issueMessage(issue: z.core.$ZodIssue): string {
  // A bad record key is reported as "Invalid key in record"; the reason is in the nested issue.
  if (issue.code === 'invalid_key') return `invalid key: ${issue.issues.map((i) => i.message).join('; ')}`;
  return issue.message;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((p, i) => (typeof p === 'string' && /^[A-Za-z_]\w*$/.test(p) ? `${i ? '.' : ''}${p}` : `[${JSON.stringify(String(p))}]`))
    .join('');
}
