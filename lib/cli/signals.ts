/**
 * How a local run is stopped from outside. The rules, as the README's "Stopping a run" table gives them:
 *
 * - The first SIGINT or SIGTERM aborts `stop`: nothing new starts, what was created is cleaned up, an
 *   `aborted` report is written, and the CLI exits 130.
 * - The same signal again within `REPEAT_WINDOW_MS` of the first is the same stop, not a second one:
 *   a signal sent to a process group, or relayed by a wrapper, reaches the run more than once, and a
 *   hand on Ctrl+C may bounce. A SIGINT or SIGTERM after that window aborts `kill` and exits 130 at once.
 * - SIGHUP (the terminal closed) and the launching process going away (npx, a CI step or `timeout`
 *   killed, leaving this process orphaned) stop the run like a first SIGTERM. They never exit at once:
 *   no one is left at a keyboard to have meant a second Ctrl+C.
 */

/** A repeat of a signal within this many ms of the first stop is the same stop, not the hard exit. */
export const REPEAT_WINDOW_MS = 1000;
/** How often the launching process is looked for (process.ppid is one system call). */
export const PARENT_POLL_MS = 500;

/** The world `installStopSignals` reads and acts on; tests replace it. */
export interface StopSignalEnv {
  /** Monotonic milliseconds. */
  now(): number;
  /** Ends the process (the hard exit). */
  exit(code: number): void;
  /** The parent process id now. */
  ppid(): number;
  /** This process's id, named in the stop message. */
  readonly pid: number;
  /** Where signals arrive (`process`). */
  readonly signals: Pick<NodeJS.Process, 'on' | 'off'>;
  /** Called once after SIGHUP: output to a closed terminal must not crash the run. */
  hungUp(): void;
}

/** The stop and kill signals of a run, and the means to let go of the process's signals. */
export interface StopSignals {
  /** Aborts on the first stop (a signal, a hangup, the launching process gone). */
  readonly stop: AbortSignal;
  /** Aborts on a second SIGINT or SIGTERM after the repeat window, just before the process exits. */
  readonly kill: AbortSignal;
  dispose(): void;
}

const ignore = (): void => undefined;

/** The real process: its signals, its parent, process.exit. */
export const processSignalEnv: StopSignalEnv = {
  now: () => performance.now(),
  exit: (code) => process.exit(code),
  ppid: () => process.ppid,
  pid: process.pid,
  signals: process,
  hungUp: () => {
    // After a hangup, writing to the closed terminal fails with EIO (or EPIPE), emitted as an 'error'
    // nobody listens to: the process would crash before it wrote its report.
    process.stdout.on('error', ignore);
    process.stderr.on('error', ignore);
  },
};

/** Wires the process's stop signals to a run; see the module comment for the rules. */
export function installStopSignals(log: (line: string) => void, env: StopSignalEnv = processSignalEnv): StopSignals {
  const stop = new AbortController();
  const kill = new AbortController();
  let stoppedAt = 0;

  const stopOnce = (why: string, line: string): void => {
    if (stop.signal.aborted) return;
    stoppedAt = env.now();
    log(line);
    stop.abort(new Error(why));
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!stop.signal.aborted) {
      // The pid: under npx or npm the prompt comes back at once while this process cleans up, and a
      // second Ctrl+C no longer reaches it; `kill <pid>` does.
      stopOnce(`interrupted by ${signal}`, `\n${signal} received: starting nothing new, cleaning up what was created (loadfleet pid ${env.pid}). Press Ctrl+C again (or kill ${env.pid}) to exit at once.`);
      return;
    }
    if (env.now() - stoppedAt < REPEAT_WINDOW_MS) {
      log(`${signal} again within ${REPEAT_WINDOW_MS / 1000}s of the stop: the same stop (press Ctrl+C again to exit at once).`);
      return;
    }
    kill.abort(new Error(`killed by a second ${signal}`));
    log(`second ${signal}: exiting now; the target may hold non-terminal entities.`);
    env.exit(130);
  };
  let hungUp = false;
  const onHangup = (): void => {
    if (!hungUp) {
      hungUp = true;
      env.hungUp();
    }
    stopOnce('interrupted by SIGHUP (the terminal closed)', '\nSIGHUP received (the terminal closed): stopping as for SIGTERM.');
  };

  // The launching process (npx, a shell, a CI step) is gone when our parent changes: we were orphaned
  // and re-parented. Watched only while there is a parent to lose (pid 1 is already no one's child).
  const parent = env.ppid();
  let watch: ReturnType<typeof setInterval> | undefined;
  if (parent > 1) {
    watch = setInterval(() => {
      if (env.ppid() === parent) return;
      clearInterval(watch);
      watch = undefined;
      stopOnce(`the launching process (pid ${parent}) is gone`, `\nthe process that started loadfleet (pid ${parent}) is gone: stopping as for SIGTERM.`);
    }, PARENT_POLL_MS);
    // The watch alone never keeps the process alive.
    watch.unref();
  }

  env.signals.on('SIGINT', onSignal);
  env.signals.on('SIGTERM', onSignal);
  env.signals.on('SIGHUP', onHangup);
  return {
    stop: stop.signal,
    kill: kill.signal,
    dispose: () => {
      if (watch) clearInterval(watch);
      env.signals.off('SIGINT', onSignal);
      env.signals.off('SIGTERM', onSignal);
      env.signals.off('SIGHUP', onHangup);
    },
  };
}
