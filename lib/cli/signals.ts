/**
 * Wires SIGINT/SIGTERM to a run: the first signal aborts `stop` (start nothing new, clean up, write an
 * `aborted` report, exit 130); a second one aborts `kill` and exits at once with 130.
 */
export function installStopSignals(log: (line: string) => void): { stop: AbortSignal; kill: AbortSignal; dispose(): void } {
  const stop = new AbortController();
  const kill = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!stop.signal.aborted) {
      log(`\n${signal} received: starting nothing new, cleaning up what was created. Press Ctrl+C again to exit at once.`);
      stop.abort(new Error(`interrupted by ${signal}`));
      return;
    }
    kill.abort(new Error(`killed by a second ${signal}`));
    log(`second ${signal}: exiting now; the target may hold non-terminal entities.`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stop: stop.signal,
    kill: kill.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
