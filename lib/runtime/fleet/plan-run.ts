import * as z from 'zod';
import { checkTarget, fleetPolicy } from '../../core/allowlist/allowlist.ts';
import { compilePlan } from '../../core/engine/compile-plan.ts';
import type { Program } from '../../core/engine/program.ts';
import type { ObjectStore, RunRecord } from '../../core/fleet/ports.ts';
import { loadPlan, type LoadedPlan } from '../../core/plan/plan-loader.ts';
import type { Plan } from '../../core/plan/schema.ts';
import { PlanValidationError } from '../../core/plan/source.ts';
import { planUnits } from '../../core/planner.ts';
import type { HttpClient } from '../../core/ports.ts';
import { NullEventSink } from '../../adapters/local/csv-event-sink.ts';
import { newRunId } from '../run-id.ts';
import { runSystemSteps } from '../run-unit.ts';
import type { FleetEnv } from './fleet-env.ts';
import type { FleetServices } from './services.ts';
import { fleetRuntime, type RunPlan, type StoredPlan } from './run-plan.ts';
import { pollSecondsFor, type FleetState } from './state.ts';
import { InvalidPlanError } from './errors.ts';

/** The execution input of the state machine (what `aws stepfunctions start-execution --input` takes). */
export const RunInputSchema = z
  .strictObject({
    /** The plan itself: an object (the plan's JSON) or its YAML/JSON text. */
    plan: z.union([z.record(z.string(), z.unknown()), z.string().min(1)]).optional(),
    /** Or the key of a plan stored in the report bucket, under `plans/` (what schedules use). */
    planKey: z.string().regex(/^plans\/[\w./-]+$/, 'planKey must name an object under plans/ in the report bucket').optional(),
    /** A run id of your own (letters, digits, - and _); default: generated, sortable by time. */
    runId: z.string().regex(/^[\w-]{1,64}$/).optional(),
  })
  .refine((input) => (input.plan === undefined) !== (input.planKey === undefined), 'give exactly one of "plan" or "planKey"');
export type RunInput = z.input<typeof RunInputSchema>;

/** What the plan step needs. */
export interface PlanRunDeps extends Omit<FleetServices, 'queue'> {
  /** An HTTP client for the plan's setup steps (only called when the plan has some). */
  readonly http: () => HttpClient;
}

/**
 * The state machine's first step: read and validate the plan, enforce the deployment's allowlist and
 * caps, run the plan's setup steps, derive the units, and write the run and its units. Returns the
 * small state the orchestrator carries (ids and times, never data).
 */
export async function planRun(input: unknown, deps: PlanRunDeps): Promise<FleetState> {
  const parsed = RunInputSchema.safeParse(input);
  if (!parsed.success) throw new InvalidPlanError(`the execution input is invalid: ${z.prettifyError(parsed.error)}`);
  const source = await planSource(parsed.data, deps.objects);
  let loaded: LoadedPlan;
  try {
    loaded = loadPlan(source.text, source.file, deps.env);
  } catch (error) {
    if (error instanceof PlanValidationError) throw new InvalidPlanError(error.message + secretsHint(error, deps.env));
    throw error;
  }
  const plan = spreadBurst(loaded.plan, deps.fleet);
  assertFleetMayRun(plan, deps.fleet);
  const runId = parsed.data.runId ?? newRunId(new Date(deps.clock.now()));
  const stored: StoredPlan = { ...source };
  const compiled = compilePlan(plan);
  if (compiled.setup) stored.sharedVars = await runSetup(runId, { loaded, compiled, stored }, compiled.setup, deps);

  const createdAt = deps.clock.now();
  const startAt = createdAt + deps.fleet.startLeadMs;
  const { units, planned } = planUnits(plan, runId, compiled.payloads, startAt);
  const maxDuration = Math.min(plan.limits.maxDuration, deps.fleet.limits.maxDurationSeconds * 1000);
  const run: RunRecord = {
    runId, plan: stored, kind: loaded.kind, status: 'RUNNING', createdAt, startAt, deadline: startAt + maxDuration,
    unitsPlanned: units.length, planned, warnings: loaded.warnings,
  };
  await deps.store.createRun(run, units);
  return { runId, startAt: new Date(startAt).toISOString(), pollSeconds: pollSecondsFor(maxDuration) };
}

async function planSource(input: z.output<typeof RunInputSchema>, objects: ObjectStore): Promise<{ text: string; file: string }> {
  if (input.planKey !== undefined) {
    // The plan role may not list the bucket, so a missing key can come back as AccessDenied: same answer.
    const text = await objects.get(input.planKey).catch(() => undefined);
    if (text === undefined) throw new InvalidPlanError(`no plan at ${objects.uri(input.planKey)}: upload it first (aws s3 cp plan.yaml ${objects.uri(input.planKey)})`);
    return { text, file: input.planKey };
  }
  if (typeof input.plan === 'string') return { text: input.plan, file: 'input.plan.yaml' };
  return { text: JSON.stringify(input.plan, null, 2), file: 'input.plan.json' };
}

/**
 * The deployment's guardrails, checked before anything is written: the target must pass the stack's
 * allowlist (`checkTarget` with `fleetPolicy`: exact host or host:port from `allowedHosts`; metadata
 * addresses never), and the load must fit the deployment's caps on rate and duration.
 */
export function assertFleetMayRun(plan: Plan, fleet: FleetEnv): void {
  let verdict;
  try {
    verdict = checkTarget(plan.target.baseUrl, fleetPolicy(fleet.allowedHosts));
  } catch (error) {
    // An allowedHosts entry that is not a host (the stack's config validation should have caught it).
    throw new InvalidPlanError((error as Error).message);
  }
  if (!verdict.allowed) throw new InvalidPlanError(verdict.reason);
  const load = plan.load;
  if (load.model === 'rate' && load.rate > fleet.limits.maxRps) {
    throw new InvalidPlanError(`load.rate ${load.rate}/s is above the stack's cap of ${fleet.limits.maxRps}/s (loadfleet.limits.maxRps)`);
  }
  const duration = load.model === 'rate' || load.model === 'vus' ? load.duration : load.model === 'phases' ? load.phases.reduce((sum, p) => sum + p.duration, 0) : 0;
  if (duration > fleet.limits.maxDurationSeconds * 1000) {
    throw new InvalidPlanError(`the load lasts ${duration / 1000}s, above the stack's cap of ${fleet.limits.maxDurationSeconds}s (loadfleet.limits.maxDurationSeconds)`);
  }
  if (load.model === 'phases' && duration > fleet.workerTimeoutMs - WORKER_MARGIN_MS) {
    throw new InvalidPlanError(`a phases run must fit one worker invocation: ${duration / 1000}s of phases, workers have ${(fleet.workerTimeoutMs - WORKER_MARGIN_MS) / 1000}s`);
  }
}

/**
 * A burst with `spread` is cut into one slice per worker the stack allows at once, so it fires from as
 * many execution environments (and source IPs) as the deployment can give it.
 */
export function spreadBurst(plan: Plan, fleet: FleetEnv): Plan {
  const load = plan.load;
  if (load.model !== 'burst' || !load.spread) return plan;
  return { ...plan, load: { ...load, slices: Math.max(1, Math.min(load.count, fleet.maxConcurrency)) } };
}

/** Time a worker keeps free at the end of its invocation (see worker.ts). */
export const WORKER_MARGIN_MS = 60_000;

/**
 * On AWS a plan's `${env:NAME}` can only be one of the stack's secrets: when a reference is not set,
 * say so and name the ones there are (names only).
 */
function secretsHint(error: PlanValidationError, env: Readonly<Record<string, string | undefined>>): string {
  if (!error.issues.some((issue) => /^environment variable \w+ is not set$/.test(issue.message))) return '';
  const names = Object.keys(env).sort();
  return `\n(on AWS, \${env:NAME} is one of the stack's secrets, loadfleet.secrets in cdk.json: ${names.length > 0 ? names.join(', ') : 'none are configured'}; add it there and redeploy)`;
}

/** Runs the plan's setup steps once, from the plan step; their captures are stored for every worker. */
async function runSetup(runId: string, plan: RunPlan, setup: Program, deps: PlanRunDeps): Promise<Record<string, unknown>> {
  const http = deps.http();
  const never = new AbortController().signal;
  try {
    const rt = fleetRuntime({
      runId, plan, clock: deps.clock, http, events: new NullEventSink(), stop: never, kill: never, deadline: deps.clock.now() + 60_000,
    });
    const outcome = await runSystemSteps('setup', setup, rt);
    if (!outcome.ok) throw new InvalidPlanError(`the plan's setup failed: ${outcome.failure}; the load did not start`);
    return { ...outcome.vars };
  } finally {
    await http.close();
  }
}

