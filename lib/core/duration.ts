import * as z from 'zod';
import { CEILINGS_DOC, MAX_DURATION_MS, MAX_RUN_DURATION_MS, MAX_TIMEOUT_MS, MIN_TIMEOUT_MS, formatPlanDuration } from './ceilings.ts';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/**
 * Parses a duration such as `250ms`, `2s`, `1.5m` or `1h` into milliseconds; a bare number is
 * milliseconds. Returns `undefined` for anything else.
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const match = DURATION_RE.exec(value.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  // Hundreds of digits read as Infinity: not a duration.
  return Number.isFinite(ms) ? ms : undefined;
}

/** Formats milliseconds the way a person reads them: `850ms`, `2.5s`, `3m 20s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m ${seconds}s`;
}

/** The bounds of a duration schema, and why the ceiling is where it is (for the message). */
export interface DurationBounds {
  /** Smallest value, in ms (default 0). */
  readonly min?: number;
  /** Why a value below `min` means nothing, e.g. `a load of no time starts nothing`. */
  readonly minWhy?: string;
  /** Largest value, in ms (default `MAX_DURATION_MS`, 24 h). */
  readonly max?: number;
  /** Why the ceiling is there (default: the longest load, which no duration in a plan needs to pass). */
  readonly maxWhy?: string;
}

/**
 * A duration schema with its own floor and ceiling: `2s`-style strings or milliseconds as a number,
 * yielding milliseconds. Anything that is not a finite duration, or is out of bounds, is an issue that
 * names the bound and the value in plan units (`at most 24h, got 1000h (...; see README: Ceilings)`).
 *
 * @example
 * const Timeout = durationSchema({ min: 1, max: 15 * 60_000, maxWhy: 'a request deadline' });
 */
export function durationSchema(bounds: DurationBounds = {}) {
  const { min = 0, max = MAX_DURATION_MS, minWhy, maxWhy = 'the longest load: no duration in a plan needs more' } = bounds;
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(value)}: use a number with ms, s, m or h, e.g. "500ms", "2s", "5m"` });
      return z.NEVER;
    }
    if (ms < min) {
      const floor = min === 1 ? 'above 0' : `at least ${formatPlanDuration(min)}`;
      ctx.addIssue({ code: 'custom', message: `must be ${floor}, got ${formatPlanDuration(ms)}${minWhy === undefined ? '' : ` (${minWhy})`}` });
      return z.NEVER;
    }
    if (ms > max) {
      ctx.addIssue({ code: 'custom', message: `at most ${formatPlanDuration(max)}, got ${formatPlanDuration(ms)} (${maxWhy}; ${CEILINGS_DOC})` });
      return z.NEVER;
    }
    return ms;
  });
}

/**
 * `DurationSchema` accepts `2s`-style strings (or milliseconds as a number) from 0 to 24 h
 * (`MAX_DURATION_MS`) and yields milliseconds.
 */
export const DurationSchema = durationSchema();

/** A duration that must be above 0 (a load's, a phase's), up to `MAX_DURATION_MS`. */
export const LoadDurationSchema = durationSchema({ min: 1, minWhy: 'a load of no time starts nothing' });

/** A request deadline: above 0, at most 15 minutes (`MAX_TIMEOUT_MS`). */
export const TimeoutSchema = durationSchema({
  min: MIN_TIMEOUT_MS,
  minWhy: 'a deadline of 0 times requests out at random',
  max: MAX_TIMEOUT_MS,
  maxWhy: 'one Lambda invocation lasts at most 15m, so no worker waits longer for an answer',
});

/** `limits.maxDuration`: above 0, at most the longest load plus an hour (`MAX_RUN_DURATION_MS`). */
export const RunDurationSchema = durationSchema({
  min: 1,
  minWhy: 'a run of no time sends nothing',
  max: MAX_RUN_DURATION_MS,
  maxWhy: 'the longest load (24h) plus an hour to drain and clean up',
});
