import { ROOT_CONTEXT, TraceFlags, defaultTextMapSetter, propagation, trace, type Baggage } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { Rng } from '../rng.ts';

const PROPAGATOR = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });

/**
 * `TracePropagation` stamps requests with W3C trace context (`traceparent`) and `baggage`, so a
 * target's tracing can tell synthetic traffic apart and follow one lifecycle across its requests. It
 * uses OpenTelemetry's own propagators (no SDK needed). Every lifecycle gets one trace id, every
 * request a new span id, both derived from the seed: a replayed run carries the same ids.
 */
export class TracePropagation {
  private readonly baggage: Baggage | undefined;

  constructor(private readonly seed: number, baggage: Readonly<Record<string, string>>) {
    const entries = Object.entries(baggage);
    this.baggage = entries.length > 0 ? propagation.createBaggage(Object.fromEntries(entries.map(([k, v]) => [k, { value: v }]))) : undefined;
  }

  /** A lifecycle's trace: its id and a span counter. */
  traceFor(index: number): LifecycleTrace {
    return { traceId: hex(Rng.derive(this.seed, 'trace', index), 4), spans: 0, index };
  }

  /** Adds `traceparent` (and `baggage`) headers for the next span of `lifecycle`. */
  inject(headers: Record<string, string>, lifecycle: LifecycleTrace): void {
    lifecycle.spans++;
    const spanId = hex(Rng.derive(this.seed, 'span', lifecycle.index, lifecycle.spans), 2);
    let ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: lifecycle.traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: false });
    if (this.baggage) ctx = propagation.setBaggage(ctx, this.baggage);
    PROPAGATOR.inject(ctx, headers, defaultTextMapSetter);
  }
}

/** The trace of one lifecycle. */
export interface LifecycleTrace {
  readonly traceId: string;
  readonly index: number;
  spans: number;
}

/** `words` random 32-bit words as lower-case hex (never all zeros, which W3C forbids). */
function hex(rng: Rng, words: number): string {
  let out = '';
  for (let i = 0; i < words; i++) out += rng.int(0, 0xffffffff).toString(16).padStart(8, '0');
  return /^0+$/.test(out) ? `${out.slice(0, -1)}1` : out;
}
