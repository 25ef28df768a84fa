import { EXIT } from './exit-codes.ts';
import { allowedTarget, describeLoad, readPlan } from './run-command.ts';

/** Options of `loadfleet validate`. */
export interface ValidateOptions {
  /** Hosts allowed besides loopback, as `run --allow-host` takes them. */
  readonly allowHost?: readonly string[];
}

/**
 * `loadfleet validate PLAN`: reports every problem with file:line:col and key path, then checks the
 * target against the allowlist exactly as `run` would; exit 2 if anything is wrong.
 */
export async function validateCommand(file: string, opts: ValidateOptions = {}, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<number> {
  const loaded = await readPlan(file, log);
  if (!loaded) return EXIT.invalidInput;
  const { plan } = loaded;
  if (!allowedTarget(plan.target.baseUrl, opts.allowHost, log)) return EXIT.invalidInput;
  const line = `ok: ${file}: plan "${plan.name}" (${loaded.kind}): ${describeLoad(plan)}, ${Object.keys(plan.requests).length} requests, ${plan.expect.length} expectations`;
  process.stdout.write(`${loaded.redactor.text(line)}\n`);
  return EXIT.ok;
}
