/**
 * Test-only fault injection for the spawned CLI, loaded with `node --import tsx --import <this file>`
 * before bin/loadfleet.ts, so the product carries no hook of its own. `LOADFLEET_TEST_CRASH` picks
 * where a bug shows up; the trigger is the CLI's own output, so the fault strikes mid-command:
 *
 * - `command`: the write of `validate`'s `ok:` line throws (an error inside a command's promise);
 *   its message carries `LOADFLEET_TEST_SECRET`, which the CLI must hide.
 * - `uncaught`: after the demo target prints that it listens, a timer throws (uncaughtException).
 * - `rejection`: after the same line, a promise nobody awaits rejects (unhandledRejection).
 */
const mode = process.env.LOADFLEET_TEST_CRASH;
const write = process.stdout.write.bind(process.stdout);

process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  if (mode === 'command' && text.startsWith('ok:')) {
    throw new RangeError(`Invalid array length for ${process.env.LOADFLEET_TEST_SECRET ?? '?'}`);
  }
  if (text.startsWith('demo target listening')) {
    if (mode === 'uncaught') {
      setImmediate(() => {
        throw new TypeError("Cannot read properties of undefined (reading 'orders')");
      });
    } else if (mode === 'rejection') {
      setImmediate(() => void Promise.reject(new Error('socket pool drained twice')));
    }
  }
  return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stdout.write;
