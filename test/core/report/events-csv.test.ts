import { describe, expect, it } from 'vitest';
import type { LifecycleEvent } from '../../../lib/core/ports.ts';
import { Redactor } from '../../../lib/core/redactor.ts';
import { csvEventRow, EVENT_CSV_COLUMNS, EVENT_CSV_HEADER } from '../../../lib/core/report/events-csv.ts';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

/** The row as a template literal writes it: the reference `csvEventRow` must match byte for byte. */
function referenceRow(e: LifecycleEvent): string {
  const cell = (v: string | undefined): string => (v === undefined ? '' : /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return (
    `${new Date(e.at).toISOString()},${cell(e.unitId)},${e.index},${cell(e.key)},${e.type},` +
    `${cell(e.request)},${e.attempt ?? ''},${e.status ?? ''},${e.latencyMs ?? ''},${e.errorKind ?? ''},` +
    `${cell(e.from)},${cell(e.to)},${cell(e.reason)}\n`
  );
}

describe('Function: csvEventRow', () => {
  it.each([
    { name: 'a request', e: { at: T0 + 0.9, unitId: 'u1', index: 7, key: 'ORD-7', type: 'request', request: 'create', attempt: 2, status: 503, latencyMs: 0.1 + 0.2, errorKind: 'http5xx' } },
    { name: 'a transition', e: { at: T0 + 1, unitId: 'u1', index: 7, key: 'ORD-7', type: 'transition', from: 'created', to: 'accepted' } },
    { name: 'quoted cells', e: { at: T0 + 1.5, unitId: 'u,1', index: 0, key: 'say "hi"', type: 'failed', reason: 'line\nbreak\r' } },
    { name: 'a non-ASCII key', e: { at: T0 + 2, unitId: 'u1', index: 1e6, key: 'Bestellung-ü', type: 'completed', to: 'ended' } },
    { name: 'a dropped start', e: { at: T0 + 999.999, unitId: 'r0001', index: 3, key: '#3', type: 'dropped', reason: 'in-flight cap reached (load.maxInFlight)' } },
  ] as Array<{ name: string; e: LifecycleEvent }>)('formats $name exactly as the template literal does', ({ e }) => {
    expect(csvEventRow(e)).toBe(referenceRow(e));
  });

  it('stamps events of one millisecond alike and moves on with the next (the formatted time is kept per millisecond)', () => {
    // Act
    const rows = [T0 + 5.1, T0 + 5.9, T0 + 6, T0 + 5.5].map((at) => csvEventRow({ at, unitId: 'u', index: 0, key: 'k', type: 'completed' }).slice(0, 24));

    // Assess
    expect(rows).toEqual(['2025-01-01T12:00:00.005Z', '2025-01-01T12:00:00.005Z', '2025-01-01T12:00:00.006Z', '2025-01-01T12:00:00.005Z']);
  });

  it('throws for a time a Date cannot hold, as formatting it would', () => {
    expect(() => csvEventRow({ at: Number.NaN, unitId: 'u', index: 0, key: 'k', type: 'completed' })).toThrow(RangeError);
  });
});

describe('events.csv header and masking', () => {
  it('heads every file with the thirteen columns, in order, on one line', () => {
    expect(EVENT_CSV_HEADER).toBe('at_iso,unit,index,key,type,request,attempt,status,latency_ms,error_kind,from,to,reason\n');
    expect(EVENT_CSV_HEADER).toBe(`${EVENT_CSV_COLUMNS.join(',')}\n`);
  });

  it('masks the free text of a row (key, states, reason) with the redactor it is given', () => {
    // Prepare
    const redactor = new Redactor(['s3cr3t-token']);

    // Act
    const row = csvEventRow({ at: T0, unitId: 'u1', index: 0, key: 'ORD-s3cr3t-token', type: 'failed', from: 's3cr3t-token', reason: 'echoed s3cr3t-token' }, redactor);

    // Assess
    expect(row).toBe('2025-01-01T12:00:00.000Z,u1,0,ORD-***,failed,,,,,,***,,echoed ***\n');
  });
});
