// The two files of hdr-histogram-js the recorder uses: its entry point also loads the log reader and writer,
// which build an Intl.NumberFormat when loaded (about 12 ms of the worker Lambda's cold start).
import { build } from 'hdr-histogram-js/dist/HistogramBuilder.js';
import { decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js/dist/encoding.js';
import type { Histogram } from 'hdr-histogram-js';

/** Lowest value a latency histogram tells apart from zero: 1 microsecond. */
export const HISTOGRAM_LOWEST_US = 1;
/** Highest value a latency histogram tracks: 1 hour in microseconds. Larger values are clamped to it. */
export const HISTOGRAM_HIGHEST_US = 3_600_000_000;
/** Significant decimal digits kept by every latency histogram (0.1% value resolution). */
export const HISTOGRAM_SIGNIFICANT_DIGITS = 3;

/**
 * `newLatencyHistogram` builds an empty latency histogram in microseconds (1us..1h, 3 significant
 * digits). It is the pure-JS implementation, so no async WebAssembly initialisation is needed, and it
 * does not resize, so recording a value never allocates.
 */
export function newLatencyHistogram(): Histogram {
  return build({
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: HISTOGRAM_LOWEST_US,
    highestTrackableValue: HISTOGRAM_HIGHEST_US,
    numberOfSignificantValueDigits: HISTOGRAM_SIGNIFICANT_DIGITS,
    useWebAssembly: false,
  });
}

/**
 * `toMicros` converts milliseconds to whole microseconds inside the histogram's range. Anything below
 * 1us (including 0, negatives and NaN) counts as 1us; anything above an hour counts as an hour, because a
 * non-resizing histogram would silently drop it otherwise.
 */
export function toMicros(ms: number): number {
  const us = Math.round(ms * 1000);
  if (!(us >= HISTOGRAM_LOWEST_US)) return HISTOGRAM_LOWEST_US;
  return us > HISTOGRAM_HIGHEST_US ? HISTOGRAM_HIGHEST_US : us;
}

/** `encodeHistogram` serialises a histogram as compressed base64 (HdrHistogram V2 format). */
export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/** `decodeHistogram` reads a histogram written by `encodeHistogram`. */
export function decodeHistogram(encoded: string): Histogram {
  return decodeFromCompressedBase64(encoded);
}

/**
 * `mergeHistograms` decodes each encoded histogram, adds them into one fresh histogram and returns it.
 * Counts add exactly, so percentiles of the result equal those of one histogram fed every value.
 */
export function mergeHistograms(encoded: readonly string[]): Histogram {
  const target = newLatencyHistogram();
  for (const text of encoded) target.add(decodeHistogram(text));
  return target;
}

/** `EMPTY_HISTOGRAM` is the encoding of an empty latency histogram. */
export const EMPTY_HISTOGRAM: string = encodeHistogram(newLatencyHistogram());
