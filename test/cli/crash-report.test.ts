import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { describeUncaught, installCrashHandlers, noteActivity, noteSecrets, runGuarded, stderrOutput, type CrashOutput } from '../../lib/cli/crash-report.ts';
import { EXIT } from '../../lib/cli/exit-codes.ts';
import { LoadfleetError } from '../../lib/core/errors.ts';
import { PlanValidationError } from '../../lib/core/plan/issues.ts';

/** An output that keeps the lines. */
function capture(debug = false): CrashOutput & { lines: string[] } {
  const lines: string[] = [];
  return { lines, debug, write: (line) => lines.push(line) };
}

describe('crash-report.ts', () => {
  describe('Function: runGuarded', () => {
    it('returns the command\'s own exit code when it does not throw', async () => {
      const out = capture();
      expect(await runGuarded('running a.yaml', async () => 1, out)).toBe(1);
      expect(out.lines).toEqual([]);
    });

    it('turns a bug into one line naming the activity and the error, the hint, and exit 70', async () => {
      // Act
      const out = capture();
      const code = await runGuarded('running plan.yaml', async () => {
        throw new RangeError('Invalid array length\n    at fake (x.ts:1:1)');
      }, out);

      // Assess
      expect(code).toBe(70);
      expect(EXIT.internal).toBe(70);
      expect(out.lines[0]).toBe('loadfleet: internal error while running plan.yaml: RangeError: Invalid array length');
      expect(out.lines[1]).toMatch(/^loadfleet: this is a bug in loadfleet .*LOADFLEET_DEBUG=1 prints the stack\.$/);
      expect(out.lines).toHaveLength(2);
    });

    it('keeps exit 2 for an error loadfleet raises on purpose, printed as the user\'s error', async () => {
      const out = capture();
      const issue = { file: 'p.yaml', line: 3, col: 5, path: 'load', message: 'missing' };
      expect(await runGuarded('validating p.yaml', async () => Promise.reject(new PlanValidationError([issue])), out)).toBe(2);
      expect(await runGuarded('hitting x', async () => Promise.reject(new LoadfleetError('HIT_INVALID', 'bad -H')), out)).toBe(2);
      expect(out.lines).toEqual(['error: p.yaml:3:5  load  missing', 'error: bad -H']);
    });
  });

  describe('Function: describeUncaught', () => {
    it('hides known secrets in every line, the debug output too', () => {
      // Prepare
      noteActivity('running s.yaml');
      noteSecrets(['tok-12345']);
      const error = new Error('refused tok-12345', { cause: new Error('inner tok-12345') });

      // Act
      const { lines, exitCode } = describeUncaught(error, true);

      // Assess
      expect(exitCode).toBe(70);
      expect(lines[0]).toBe('loadfleet: internal error while running s.yaml: Error: refused ***');
      expect(lines[2]).toContain('inner ***');
      expect(lines.join('\n')).not.toContain('tok-12345');
      expect(describeUncaught(new LoadfleetError('X', 'no tok-12345 here'), false).lines).toEqual(['error: no *** here']);
    });

    it('says what a thrown non-error was and cuts a huge message', () => {
      noteActivity('running t.yaml');
      expect(describeUncaught('just a string', false).lines[0]).toBe('loadfleet: internal error while running t.yaml: thrown string: just a string');
      const long = describeUncaught(new Error('x'.repeat(2000)), false).lines[0] ?? '';
      expect(long.endsWith(`${'x'.repeat(500)}…`)).toBe(true);
      expect(long.length).toBeLessThan(600);
    });
  });

  describe('Function: installCrashHandlers', () => {
    it.each(['uncaughtException', 'unhandledRejection'])('ends the process on %s with the line and exit 70', (event) => {
      // Prepare: a process stand-in
      const exits: number[] = [];
      const proc = Object.assign(new EventEmitter(), { exit: (code: number) => exits.push(code) }) as unknown as NodeJS.Process;
      const out = capture();
      noteActivity('running the demo target');
      installCrashHandlers(proc, out);

      // Act
      (proc as unknown as EventEmitter).emit(event, new TypeError('boom'));

      // Assess
      expect(exits).toEqual([70]);
      expect(out.lines[0]).toBe('loadfleet: internal error while running the demo target: TypeError: boom');
    });
  });

  it.each([
    { value: undefined, debug: false },
    { value: '', debug: false },
    { value: '0', debug: false },
    { value: '1', debug: true },
  ])('reads LOADFLEET_DEBUG=$value as debug $debug', ({ value, debug }) => {
    expect(stderrOutput(value === undefined ? {} : { LOADFLEET_DEBUG: value }).debug).toBe(debug);
  });
});
