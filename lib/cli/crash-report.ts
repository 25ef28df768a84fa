import { inspect } from 'node:util';
import { LOADFLEET_VERSION } from '../adapters/http/undici-client.ts';
import { LoadfleetError } from '../core/errors.ts';
import { redact } from '../core/plan/env-refs.ts';
import { EXIT } from './exit-codes.ts';

/**
 * How the CLI reports an error that nothing else caught: never a stack trace, always one line that
 * says what loadfleet was doing and what went wrong, and a hint for the bug report. Errors loadfleet
 * raises on purpose (`LoadfleetError`) are the user's to fix and keep their exit code (2); anything
 * else is a bug and exits 70 (EX_SOFTWARE in sysexits.h). `LOADFLEET_DEBUG=1` adds the stack.
 *
 * What the process is doing and which secrets it knows are kept here (one CLI process runs one
 * command), because `uncaughtException` and `unhandledRejection` arrive with nothing but the error.
 */

/** Where the lines go and whether to add the stack. */
export interface CrashOutput {
  readonly write: (line: string) => void;
  /** Print the full error (stack, causes) after the line: LOADFLEET_DEBUG=1. */
  readonly debug: boolean;
}

/** What the CLI is doing (`running plan.yaml`), for the line; the secrets to hide in it. */
const state = { activity: 'starting', secrets: new Set<string>() };

/** The longest message kept on the line; a longer one is cut (the debug output has it whole). */
const MAX_MESSAGE = 500;

/** `noteActivity` records what the CLI is doing now, e.g. `running plan.yaml`. */
export function noteActivity(activity: string): void {
  state.activity = activity;
}

/** `noteSecrets` adds values (from `${env:...}`) that must never be printed. */
export function noteSecrets(secrets: readonly string[]): void {
  for (const secret of secrets) state.secrets.add(secret);
}

/** The stderr output, with the stack when LOADFLEET_DEBUG is set to something other than 0 or empty. */
export function stderrOutput(env: NodeJS.ProcessEnv = process.env): CrashOutput {
  const flag = env.LOADFLEET_DEBUG;
  return { write: (line) => process.stderr.write(`${line}\n`), debug: flag !== undefined && flag !== '' && flag !== '0' };
}

/**
 * `describeUncaught` turns an error that reached the top into the lines to print and the exit code:
 * `error: MESSAGE` and 2 for a `LoadfleetError`; for anything else,
 * `loadfleet: internal error while ACTIVITY: NAME: MESSAGE`, the bug-report hint and 70. Every line
 * has the known secrets replaced by `***`.
 *
 * @example
 * noteActivity('running plan.yaml');
 * describeUncaught(new RangeError('Invalid array length'), false).lines[0];
 * // 'loadfleet: internal error while running plan.yaml: RangeError: Invalid array length'
 */
export function describeUncaught(error: unknown, debug: boolean): { lines: string[]; exitCode: number } {
  const secrets = [...state.secrets];
  const hide = (text: string): string => redact(text, secrets);
  if (error instanceof LoadfleetError) {
    return { lines: [hide(`error: ${error.message}`)], exitCode: EXIT.invalidInput };
  }
  const lines = [
    hide(`loadfleet: internal error while ${state.activity}: ${summary(error)}`),
    `loadfleet: this is a bug in loadfleet ${LOADFLEET_VERSION} (node ${process.version}). Please report it with the line above, ` +
      'the command you ran and the plan (secrets taken out); LOADFLEET_DEBUG=1 prints the stack.',
  ];
  if (debug) lines.push(hide(inspect(error, { depth: 4 })));
  return { lines, exitCode: EXIT.internal };
}

/** `NAME: first line of the message` of any thrown value, cut to a sane length. */
function summary(error: unknown): string {
  const name = error instanceof Error ? error.name : `thrown ${typeof error}`;
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n', 1)[0] ?? '';
  return `${name}: ${line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE)}…` : line}`;
}

/**
 * `runGuarded` runs one command under `activity` and returns its exit code, or, when it throws, prints
 * what {@link describeUncaught} says and returns that exit code instead.
 *
 * @example
 * process.exit(await runGuarded(`validating ${file}`, () => validateCommand(file)));
 */
export async function runGuarded(activity: string, command: () => Promise<number>, out: CrashOutput = stderrOutput()): Promise<number> {
  noteActivity(activity);
  try {
    return await command();
  } catch (error) {
    const { lines, exitCode } = describeUncaught(error, out.debug);
    for (const line of lines) out.write(line);
    return exitCode;
  }
}

/**
 * `installCrashHandlers` makes an error thrown outside any command's promise (a timer, an event
 * handler, a promise nobody awaited) end the process the same way: the lines, then the exit code.
 */
export function installCrashHandlers(proc: NodeJS.Process = process, out: CrashOutput = stderrOutput()): void {
  const crash = (error: unknown): void => exitOnUncaught(error, out, proc);
  proc.on('uncaughtException', crash);
  proc.on('unhandledRejection', crash);
}

/** `exitOnUncaught` prints what {@link describeUncaught} says about `error` and exits with its code. */
export function exitOnUncaught(error: unknown, out: CrashOutput = stderrOutput(), proc: NodeJS.Process = process): never {
  const { lines, exitCode } = describeUncaught(error, out.debug);
  for (const line of lines) out.write(line);
  return proc.exit(exitCode);
}
