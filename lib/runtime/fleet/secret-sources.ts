import * as z from 'zod';
import { FleetConfigError } from './errors.ts';

/**
 * Where the fleet's secrets come from. The stack names them in its configuration (`loadfleet.secrets`,
 * see lib/infra/config.ts) and hands the names, never the values, to the functions that load plans in
 * the `SECRETS` variable; each of those functions reads the values when it needs them (cached) and
 * gives them to the plan as its `${env:NAME}` values. The schemas live here, where the functions read
 * them, and the stack validates its configuration with the same ones.
 */

/** The variable of a fleet function's environment that names its secrets (JSON of {@link SecretSources}). */
export const SECRETS_ENV = 'SECRETS';

/** A name a plan can use as `${env:NAME}` (the same rule the plan loader applies). */
export const SECRET_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

// SSM: `name` or `/path/to/name` (letters, digits, _ . -; at most 1011 characters), or the parameter's ARN.
const SSM_PARAMETER_RE = /^(?:(?:\/[A-Za-z0-9_.-]+)+|[A-Za-z0-9_.-]+|arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[A-Za-z0-9_.\-/]+)$/;
// Secrets Manager: a name (letters, digits, /_+=.@-; at most 512 characters), or the secret's complete ARN.
const SECRET_ID_RE = /^(?:[A-Za-z0-9/_+=.@-]{1,512}|arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+)$/;

/** `{ ssm: "/loadfleet/target-token" }`: an SSM Parameter Store parameter (a SecureString is decrypted). */
export const SsmSecretSchema = z.strictObject({
  ssm: z.string().max(1011).regex(SSM_PARAMETER_RE, 'must be an SSM parameter name ("name" or "/path/name") or its ARN'),
});

/** `{ secret: "name-or-arn" }`: a Secrets Manager secret (its SecretString). */
export const SecretsManagerSecretSchema = z.strictObject({
  secret: z.string().regex(SECRET_ID_RE, 'must be a Secrets Manager secret name or its complete ARN'),
});

/** Where one secret is kept. */
export const SecretSourceSchema = z.union([SsmSecretSchema, SecretsManagerSecretSchema]);
export type SecretSource = z.output<typeof SecretSourceSchema>;

/** The fleet's secrets by the name plans use: `{ TARGET_TOKEN: { ssm: "/loadfleet/target-token" } }`. */
export const SecretSourcesSchema = z.record(
  z.string().regex(SECRET_NAME_RE, 'a secret name is what plans write in ${env:NAME}: letters, digits and _, not starting with a digit'),
  SecretSourceSchema,
);
export type SecretSources = z.output<typeof SecretSourcesSchema>;

/** Reads the secret sources a function was deployed with; throws naming the variable when they are not valid. */
export function secretSourcesOf(env: Readonly<Record<string, string | undefined>>): SecretSources {
  const text = env[SECRETS_ENV];
  if (text === undefined || text === '') return {};
  let parsed: ReturnType<typeof SecretSourcesSchema.safeParse>;
  try {
    parsed = SecretSourcesSchema.safeParse(JSON.parse(text));
  } catch {
    throw new FleetConfigError(`loadfleet: the function's ${SECRETS_ENV} variable is not JSON; redeploy the stack`);
  }
  if (!parsed.success) throw new FleetConfigError(`loadfleet: the function's ${SECRETS_ENV} variable is not valid (${z.prettifyError(parsed.error)}); redeploy the stack`);
  return parsed.data;
}

/**
 * `SecretValues` gives the current value of every secret a function was deployed with, by name. An
 * implementation caches (the AWS one for five minutes), so it may be called on every invocation.
 */
export interface SecretValues {
  values(): Promise<Readonly<Record<string, string>>>;
}
