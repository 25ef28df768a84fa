import { ParameterSecrets } from '../../lib/adapters/aws/parameter-secrets.ts';
import { Redactor } from '../../lib/core/redactor.ts';
import { SealedFleetStore, SealedUnitQueue } from '../../lib/runtime/fleet/sealed-fleet-store.ts';
import { SecretSeal } from '../../lib/runtime/fleet/secret-seal.ts';
import { secretSourcesOf } from '../../lib/runtime/fleet/secret-sources.ts';
import { deployedFleet, type FleetDeps } from './fleet-deps.ts';
import { rememberSecrets } from './log-redaction.ts';

let deployedSecrets: ParameterSecrets | undefined;

/**
 * The deployed fleet's dependencies for a function that loads plans (plan, worker, sweep, aggregate):
 * `deployedFleet()` plus the stack's secrets, read through Powertools Parameters from the names in
 * `SECRETS` and cached by one provider per execution environment. Kept out of fleet-deps.ts so that
 * dispatch and progress, which never see a secret, do not bundle the SSM and Secrets Manager clients.
 */
export function deployedPlanFleet(): FleetDeps {
  deployedSecrets ??= new ParameterSecrets({ sources: secretSourcesOf(process.env) });
  return { ...deployedFleet(), secrets: deployedSecrets };
}

/** What a function that loads plans works with while it holds the stack's secrets. */
export interface PlanSecretsScope {
  /** The deps with `env` = the secrets, and the run table and the queue behind their seals. */
  readonly deps: FleetDeps;
  /** Seals and unseals run state (a worker unseals the unit it takes off the queue). */
  readonly seal: SecretSeal;
  readonly redactor: Redactor;
}

/**
 * The boundary of every function that loads plans (plan, worker, sweep, aggregate): it reads the
 * stack's secrets (`FleetDeps.secrets`, cached) and gives them to the plan as its environment,
 * merged over `deps.env` (empty when deployed: a plan on AWS sees the configured secrets and nothing
 * else, never the function's own variables, which hold its AWS credentials). While `body` runs, the
 * run table and the queue are behind a `SealedFleetStore` and a `SealedUnitQueue`, the logger and
 * EMF mask the secrets, and an error leaving the function (to Step Functions, or Lambda's own error
 * log) is masked too.
 */
export async function withPlanSecrets<T>(d: FleetDeps, body: (scope: PlanSecretsScope) => Promise<T>): Promise<T> {
  const secrets = (await d.secrets?.values()) ?? {};
  const env = { ...d.env, ...secrets };
  rememberSecrets(Object.values(secrets));
  const redactor = new Redactor(Object.values(env).filter((v): v is string => v !== undefined));
  const seal = new SecretSeal(env);
  const deps: FleetDeps = seal.active || redactor.active
    ? { ...d, env, store: new SealedFleetStore(d.store, seal, redactor), queue: new SealedUnitQueue(d.queue, seal) }
    : { ...d, env };
  try {
    return await body({ deps, seal, redactor });
  } catch (error) {
    throw redactor.error(error);
  }
}
