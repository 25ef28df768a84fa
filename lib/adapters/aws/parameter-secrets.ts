import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { SecretSource, SecretSources, SecretValues } from '../../runtime/fleet/secret-sources.ts';
import { SecretUnreadableError } from './errors.ts';

/** How long a fetched value is reused before it is read again (a rotated secret is picked up within this). */
export const SECRET_MAX_AGE_SECONDS = 300;

/** Options of `ParameterSecrets`. */
export interface ParameterSecretsOptions {
  /** The secrets by the name plans use (`secretSourcesOf(process.env)` in a Lambda). */
  readonly sources: SecretSources;
  /** Clients to read through (tests pass their own); default: each provider's own, from the Lambda's environment. */
  readonly ssm?: SSMClient | undefined;
  readonly secretsManager?: SecretsManagerClient | undefined;
  /** Cache lifetime of a value, seconds (default {@link SECRET_MAX_AGE_SECONDS}). */
  readonly maxAgeSeconds?: number | undefined;
}

/**
 * `ParameterSecrets` reads the fleet's secrets from SSM Parameter Store (SecureStrings decrypted) and
 * Secrets Manager through Powertools Parameters, whose providers cache each value for `maxAgeSeconds`:
 * a warm function reads each secret at most once per five minutes. Build it once per execution
 * environment (module scope). A provider, and its client, is made only for a kind of store in use.
 *
 * A value that cannot be read fails with a message naming the secret and where it was looked for,
 * never a value.
 *
 * @example
 * const secrets = new ParameterSecrets({ sources: secretSourcesOf(process.env) });
 * const env = await secrets.values(); // { TARGET_TOKEN: '...' }
 */
export class ParameterSecrets implements SecretValues {
  private ssmProvider: SSMProvider | undefined;
  private secretsProvider: SecretsProvider | undefined;
  private readonly maxAge: number;

  constructor(private readonly options: ParameterSecretsOptions) {
    this.maxAge = options.maxAgeSeconds ?? SECRET_MAX_AGE_SECONDS;
  }

  async values(): Promise<Readonly<Record<string, string>>> {
    const entries = await Promise.all(Object.entries(this.options.sources).map(async ([name, source]) => [name, await this.read(name, source)] as const));
    return Object.fromEntries(entries);
  }

  private async read(name: string, source: SecretSource): Promise<string> {
    const where = 'ssm' in source ? `SSM parameter ${source.ssm}` : `Secrets Manager secret ${source.secret}`;
    let value: string | Uint8Array | undefined;
    try {
      value = 'ssm' in source
        ? await this.ssm().get(source.ssm, { decrypt: true, maxAge: this.maxAge })
        : await this.secrets().get(source.secret, { maxAge: this.maxAge });
    } catch (error) {
      throw new SecretUnreadableError(name, `loadfleet: cannot read secret ${name} from ${where}: ${reasonOf(error)}`, { cause: error });
    }
    if (value === undefined) throw new SecretUnreadableError(name, `loadfleet: secret ${name}: ${where} has no value`);
    return typeof value === 'string' ? value : new TextDecoder().decode(value);
  }

  private ssm(): SSMProvider {
    this.ssmProvider ??= this.options.ssm ? new SSMProvider({ awsSdkV3Client: this.options.ssm }) : new SSMProvider();
    return this.ssmProvider;
  }

  private secrets(): SecretsProvider {
    this.secretsProvider ??= this.options.secretsManager ? new SecretsProvider({ awsSdkV3Client: this.options.secretsManager }) : new SecretsProvider();
    return this.secretsProvider;
  }
}

/** The SDK error's own name and message (Powertools wraps it), e.g. `ParameterNotFound`. */
function reasonOf(error: unknown): string {
  const inner = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return inner instanceof Error ? `${inner.name}: ${inner.message}` : String(inner);
}
