/** Summaries over repeated runs: every figure in RESULTS.md is min / median / max over its runs. */

/** `Stat` is one figure over `n` runs. */
export interface Stat {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly n: number;
}

/** Summarises samples (non-finite ones are ignored); undefined when none is left. */
export function stat(samples: readonly number[]): Stat | undefined {
  const sorted = samples.filter(Number.isFinite).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return undefined;
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { min: sorted[0] as number, median, max: sorted[n - 1] as number, n };
}

/** Formats a number for a table: thousands separated, fewer decimals as it grows. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `median (min–max)`, or the lone value of a single run. */
export function formatStat(s: Stat | undefined, unit = ''): string {
  if (!s) return 'n/a';
  if (s.n === 1 || s.min === s.max) return `${formatNumber(s.median)}${unit}`;
  return `${formatNumber(s.median)}${unit} (${formatNumber(s.min)}–${formatNumber(s.max)})`;
}

/** Pairs two sample lists run by run (a[i] / b[i]) and summarises the ratios. */
export function pairedRatio(a: readonly number[], b: readonly number[]): Stat | undefined {
  const n = Math.min(a.length, b.length);
  return stat(Array.from({ length: n }, (_, i) => (a[i] as number) / (b[i] as number)));
}
