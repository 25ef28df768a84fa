import { createRequire as requireFrom } from 'node:module';
import type CliProgress from 'cli-progress';
import type { LiveProgress } from '../runtime/local-driver.ts';

/** Loads cli-progress on first use: only a TTY draws a bar, so CI logs and quiet runs never load it. */
const loadCliProgress = (): typeof CliProgress => requireFrom(import.meta.url)('cli-progress') as typeof CliProgress;

/** A progress display that can be stopped. */
export interface ProgressDisplay {
  stop(): void;
}

/**
 * Shows a run's progress: a live bar on a TTY, a plain line every `everyMs` otherwise (CI logs), or
 * nothing when quiet. Reads the live counters the driver updates in place.
 */
export function showProgress(progress: Readonly<LiveProgress>, opts: { tty: boolean; quiet: boolean; everyMs?: number; write?: (line: string) => void }): ProgressDisplay {
  if (opts.quiet) return { stop: () => undefined };
  const startedAt = performance.now();
  if (opts.tty) {
    const cliProgress = loadCliProgress();
    const bar = new cliProgress.SingleBar(
      { format: 'lifecycles done {bar} {value}/{total} | started {started} | units {units} | requests {requests} | errors {errors} | {elapsed}s', hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    bar.start(progress.planned, 0, payload(progress, startedAt));
    // Open-ended runs (vus, phases) plan no count: the bar's total follows the lifecycles started.
    const update = (): void => {
      if (progress.planned === 0) bar.setTotal(Math.max(1, progress.started));
      bar.update(progress.lifecycles, payload(progress, startedAt));
    };
    const timer = setInterval(update, 200);
    return {
      stop: () => {
        clearInterval(timer);
        update();
        bar.stop();
      },
    };
  }
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const timer = setInterval(() => {
    const p = payload(progress, startedAt);
    const done = progress.planned > 0 ? `${progress.lifecycles}/${progress.planned}` : String(progress.lifecycles);
    write(`[${p.elapsed}s] lifecycles done ${done}  started ${progress.started}  units ${p.units}  requests ${p.requests}  errors ${p.errors}`);
  }, opts.everyMs ?? 5000);
  return { stop: () => clearInterval(timer) };
}

function payload(progress: Readonly<LiveProgress>, startedAt: number): Record<string, string | number> {
  return {
    units: `${progress.unitsDone}/${progress.unitsPlanned}`,
    started: progress.started,
    requests: progress.requests,
    errors: progress.errors,
    elapsed: ((performance.now() - startedAt) / 1000).toFixed(1),
  };
}
