/**
 * The fleet's secrets in the stack: which functions get them, the environment variable that names
 * them (names and ARNs only: values never enter the template), and read access scoped to exactly
 * those parameters and secrets.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { SECRETS_ENV, type SecretSource, type SecretSources } from '../runtime/fleet/secret-sources.ts';
import type { FleetFunctionName } from './functions.ts';

/**
 * The functions that load a run's plan, and so resolve its `${env:NAME}` references: the plan step
 * (validation, setup), the worker, the sweep (cleanups) and aggregate (verify). Dispatch and progress
 * only move units and never see a secret.
 */
export const SECRET_READERS: readonly FleetFunctionName[] = ['plan', 'worker', 'sweep', 'aggregate'];

/** The environment that names the secrets (`SECRETS`), for a function in {@link SECRET_READERS}; empty when none are configured. */
export function secretsEnvironment(secrets: SecretSources): Record<string, string> {
  return Object.keys(secrets).length > 0 ? { [SECRETS_ENV]: JSON.stringify(secrets) } : {};
}

/**
 * The ARN of one secret: an SSM parameter (`parameter/<name without its leading slash>`), or a
 * Secrets Manager secret, whose ARN ends in a random `-XXXXXX` that `-??????` matches (each `?` one
 * character) when the configuration gives only its name. ARNs given in full are used as they are.
 */
export function secretArn(scope: Construct, source: SecretSource): string {
  const stack = Stack.of(scope);
  if ('ssm' in source) {
    if (source.ssm.startsWith('arn:')) return source.ssm;
    return stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: source.ssm.replace(/^\//, ''), arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  }
  if (source.secret.startsWith('arn:')) return source.secret;
  return stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${source.secret}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/**
 * Lets `role` read exactly the configured secrets: `ssm:GetParameter` on the parameters,
 * `secretsmanager:GetSecretValue` on the secrets (what Powertools Parameters calls), nothing else.
 * SecureStrings under the default key (aws/ssm) and secrets under aws/secretsmanager need no KMS grant.
 */
export function allowSecrets(role: IRole, scope: Construct, secrets: SecretSources): void {
  const sources = Object.values(secrets);
  const ssm = sources.filter((s) => 'ssm' in s).map((s) => secretArn(scope, s));
  const managed = sources.filter((s) => 'secret' in s).map((s) => secretArn(scope, s));
  if (ssm.length > 0) role.addToPrincipalPolicy(new PolicyStatement({ actions: ['ssm:GetParameter'], resources: [...new Set(ssm)] }));
  if (managed.length > 0) role.addToPrincipalPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [...new Set(managed)] }));
}
