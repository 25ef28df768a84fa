import type { Histogram } from 'hdr-histogram-js';
import type { ErrorKind } from '../errors.ts';
import { encodeHistogram, newLatencyHistogram, toMicros } from './histogram.ts';
import type { AttemptSample, EndpointResult } from './types.ts';

/** Mutable per-endpoint counters; one per endpoint, created on its first sample. */
interface EndpointState {
  attempts: number;
  ok: number;
  retries: number;
  errors: Partial<Record<ErrorKind, number>>;
  statusCodes: Map<number, number>;
  histogram: Histogram;
}

/**
 * `EndpointTable` keeps attempt counters and a latency histogram per endpoint. Recording allocates
 * nothing once an endpoint has been seen: its state object (with a fixed-size histogram) is created
 * once and looked up by name.
 */
export class EndpointTable {
  private readonly endpoints = new Map<string, EndpointState>();

  /** Records one HTTP attempt: counts, status code, error kind, retry flag and latency. */
  record(sample: AttemptSample): void {
    const state = this.state(sample.endpoint);
    state.attempts++;
    if (sample.retry) state.retries++;
    if (sample.errorKind === undefined) state.ok++;
    else state.errors[sample.errorKind] = (state.errors[sample.errorKind] ?? 0) + 1;
    if (sample.status !== undefined) state.statusCodes.set(sample.status, (state.statusCodes.get(sample.status) ?? 0) + 1);
    state.histogram.recordValue(toMicros(sample.latencyMs));
  }

  /** The table as plain JSON, histograms encoded; a copy. */
  result(): Record<string, EndpointResult> {
    const endpoints: Record<string, EndpointResult> = {};
    for (const [name, state] of this.endpoints) {
      const statusCodes: Record<string, number> = {};
      for (const [code, count] of [...state.statusCodes].sort((a, b) => a[0] - b[0])) statusCodes[String(code)] = count;
      endpoints[name] = {
        attempts: state.attempts, ok: state.ok, retries: state.retries, errors: { ...state.errors }, statusCodes,
        histogram: encodeHistogram(state.histogram),
      };
    }
    return endpoints;
  }

  private state(name: string): EndpointState {
    let state = this.endpoints.get(name);
    if (state === undefined) {
      state = { attempts: 0, ok: 0, retries: 0, errors: {}, statusCodes: new Map(), histogram: newLatencyHistogram() };
      this.endpoints.set(name, state);
    }
    return state;
  }
}
