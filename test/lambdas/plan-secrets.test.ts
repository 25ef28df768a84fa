import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryFleetStore } from '../../lib/adapters/local/memory-fleet-store.ts';
import { MemoryObjectStore } from '../../lib/adapters/local/memory-object-store.ts';
import { MemoryUnitQueue } from '../../lib/adapters/local/memory-unit-queue.ts';
import { InvalidPlanError } from '../../lib/runtime/fleet/errors.ts';
import type { SecretValues } from '../../lib/runtime/fleet/secret-sources.ts';
import { makeAggregateHandler } from '../../lambdas/aggregate.ts';
import { makePlanHandler } from '../../lambdas/plan.ts';
import { publishUnitMetrics } from '../../lambdas/shared/emf.ts';
import { logger, type FleetDeps } from '../../lambdas/shared/fleet-deps.ts';
import { deployedPlanFleet } from '../../lambdas/shared/plan-secrets.ts';
import { BUCKET, FLEET, pingPlan, scriptedTarget } from './fixtures.ts';

const SENTINEL = 'SENTINEL-7f3a9c2e';
const secretsOf = (values: Record<string, string>): SecretValues => ({ values: async () => values });

function depsWith(secrets?: SecretValues): FleetDeps & { store: MemoryFleetStore } {
  const { clock, http } = scriptedTarget();
  return { store: new MemoryFleetStore(), queue: new MemoryUnitQueue(), objects: new MemoryObjectStore(BUCKET), fleet: FLEET, env: {}, clock, http: () => http, secrets };
}

/** A ping plan whose target headers use `${env:TARGET_TOKEN}` (what README tells AWS users to write). */
const tokenPlan = pingPlan(2).replace('retry: { max: 0 } }', 'retry: { max: 0 }, headers: { authorization: "Bearer ${env:TARGET_TOKEN}" } }');

/** Everything written to stdout and stderr while `work` runs (kept from the test log). */
async function captured(work: () => Promise<unknown> | unknown): Promise<string> {
  const lines: string[] = [];
  const keep = (chunk: string | Uint8Array): boolean => lines.push(String(chunk)) > 0;
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(keep);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(keep);
  try {
    await work();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return lines.join('');
}

afterEach(() => {
  logger.setLogLevel('SILENT');
  vi.restoreAllMocks();
});

describe('the plan step and the stack\'s secrets', () => {
  it('plans a run whose plan uses ${env:TARGET_TOKEN} when the stack has that secret', async () => {
    // Prepare
    const deps = depsWith(secretsOf({ TARGET_TOKEN: SENTINEL }));

    // Act
    const state = await makePlanHandler(() => deps)({ plan: tokenPlan, runId: 'tok-1' });

    // Assess: planned, and the run row keeps the reference, not the value
    expect(state.runId).toBe('tok-1');
    const run = await deps.store.getRun('tok-1');
    expect(JSON.stringify(run)).toContain('${env:TARGET_TOKEN}');
    expect(JSON.stringify(run)).not.toContain(SENTINEL);
  });

  it('refuses a plan whose variable is not one of the stack\'s secrets, naming the ones there are', async () => {
    // Act
    const error = await makePlanHandler(() => depsWith(secretsOf({ OTHER_TOKEN: 'x'.repeat(8) })))({ plan: tokenPlan }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(InvalidPlanError);
    expect((error as Error).message).toBe(
      'input.plan.yaml:4:87  target.headers.authorization  environment variable TARGET_TOKEN is not set\n' +
        '(on AWS, ${env:NAME} is one of the stack\'s secrets, loadfleet.secrets in cdk.json: OTHER_TOKEN; add it there and redeploy)',
    );
  });

  it('masks a secret that fails validation in the InvalidPlan message', async () => {
    // Prepare: the secret as the target's timeout, which it is not
    const plan = tokenPlan.replace('retry: { max: 0 },', 'retry: { max: 0 }, timeout: "${env:TARGET_TOKEN}",');

    // Act
    const error = await makePlanHandler(() => depsWith(secretsOf({ TARGET_TOKEN: SENTINEL })))({ plan }).catch((e: unknown) => e);

    // Assess
    expect((error as Error).message).toContain('target.timeout  invalid duration "***"');
    expect((error as Error).message).not.toContain(SENTINEL);
  });

  it('deployed, a plan sees the configured secrets only: none of the function\'s own variables', () => {
    // Prepare: the variables a deployed function has (AWS credentials among them) and one secret
    const saved = { ...process.env };
    Object.assign(process.env, {
      TABLE_NAME: 't', QUEUE_URL: 'http://127.0.0.1:9/q', BUCKET_NAME: 'b', AWS_REGION: 'us-east-1', AWS_SECRET_ACCESS_KEY: SENTINEL,
      SECRETS: JSON.stringify({ TARGET_TOKEN: { ssm: '/loadfleet/target-token' } }),
    });
    try {
      // Act
      const deps = deployedPlanFleet();

      // Assess
      expect(deps.env).toEqual({});
      expect(deps.secrets).toBeDefined();
    } finally {
      process.env = saved;
    }
  });
});

describe('what the functions print and throw is masked', () => {
  it('logger lines and EMF documents mask the secrets the function has read', async () => {
    // Prepare: a plan step has read the secret
    await makePlanHandler(() => depsWith(secretsOf({ TARGET_TOKEN: SENTINEL })))({ plan: tokenPlan, runId: 'tok-2' });
    logger.setLogLevel('INFO');

    // Act
    const output = await captured(() => {
      logger.warn('unit not done', { error: new Error(`refused ${SENTINEL}`), detail: `x ${SENTINEL}` });
      publishUnitMetrics([{ name: 'requests', unit: 'Count', value: 1, dimensions: { runId: 'tok-2', workload: SENTINEL } }], 'Loadfleet');
    });

    // Assess
    expect(output).not.toContain(SENTINEL);
    expect(output).toContain('"message":"refused ***"');
    expect(output).toContain('"detail":"x ***"');
    expect(output).toContain('"workload":"***"');
  });

  it('an error leaving a function is masked (Step Functions and Lambda\'s error log see it)', async () => {
    // Prepare: the run table fails with a message that quotes the secret
    const deps = depsWith(secretsOf({ TARGET_TOKEN: SENTINEL }));
    deps.store.getRun = async () => {
      throw new TypeError(`cannot read ${SENTINEL}`);
    };

    // Act
    const error = await makeAggregateHandler(() => deps)({ runId: 'r', startAt: new Date(0).toISOString(), pollSeconds: 5 }).catch((e: unknown) => e);

    // Assess: same error, masked
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('cannot read ***');
    expect((error as Error).stack).not.toContain(SENTINEL);
  });
});
