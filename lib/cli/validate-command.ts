import { EXIT } from './exit-codes.ts';
import { describeLoad, readPlan } from './run-command.ts';

/** `loadfleet validate PLAN`: reports every problem with file:line:col and key path; exit 2 if any. */
export async function validateCommand(file: string, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<number> {
  const loaded = await readPlan(file, log);
  if (!loaded) return EXIT.invalidInput;
  const { plan } = loaded;
  const line = `ok: ${file}: plan "${plan.name}" (${loaded.kind}): ${describeLoad(plan)}, ${Object.keys(plan.requests).length} requests, ${plan.expect.length} expectations`;
  process.stdout.write(`${loaded.redactor.text(line)}\n`);
  return EXIT.ok;
}
