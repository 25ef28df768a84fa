/**
 * The events.csv format, the one both event writers share: `CsvEventSink` (a local run's file) and
 * `EventBuffer` (a fleet unit's part, joined in the bucket). Text only: the writers own buffering and I/O.
 */
import type { LifecycleEvent } from '../ports.ts';
import { Redactor } from '../redactor.ts';

/** Columns of events.csv, in order. */
export const EVENT_CSV_COLUMNS = [
  'at_iso',
  'unit',
  'index',
  'key',
  'type',
  'request',
  'attempt',
  'status',
  'latency_ms',
  'error_kind',
  'from',
  'to',
  'reason',
] as const;

/** The header row of events.csv, line break included: the first line of every file, and of every join of parts. */
export const EVENT_CSV_HEADER = `${EVENT_CSV_COLUMNS.join(',')}\n`;

/** The cells of the row being formatted (reused: formatting is synchronous). `join` writes undefined as ''. */
const CELLS: Array<string | number | undefined> = Array.from({ length: EVENT_CSV_COLUMNS.length }, () => '');

/**
 * One event as a CSV row of `EVENT_CSV_COLUMNS` (RFC 4180 quoting), line break included, its free text
 * masked with `redactor` (the plan's secrets), so no value from the environment reaches the log.
 *
 * The writer formats the fixed columns itself: profiling a day-in-life run showed a per-record
 * stringifier costing ~12% of the run's CPU.
 *
 * @example
 * csvEventRow({ at: 0, unitId: 'b0001', index: 3, key: 'ORD-3', type: 'completed' });
 * // '1970-01-01T00:00:00.000Z,b0001,3,ORD-3,completed,,,,,,,,\n'
 */
export function csvEventRow(raw: LifecycleEvent, redactor: Redactor = Redactor.none): string {
  const event = redactor.event(raw);
  const cells = CELLS;
  cells[0] = isoOf(event.at);
  cells[1] = cell(event.unitId);
  cells[2] = event.index;
  cells[3] = cell(event.key);
  cells[4] = event.type;
  cells[5] = cell(event.request);
  cells[6] = event.attempt;
  cells[7] = event.status;
  cells[8] = event.latencyMs;
  cells[9] = event.errorKind;
  cells[10] = cell(event.from);
  cells[11] = cell(event.to);
  const reason = cell(event.reason);
  cells[12] = reason === '' ? '\n' : `${reason}\n`;
  // One flat string per row (a template literal would build a tree of a couple of dozen pieces).
  return cells.join(',');
}

/** The last instant formatted, to the millisecond, and its ISO text: a run writes many events per millisecond. */
let isoMs = Number.NaN;
let isoText = '';

/** `new Date(at).toISOString()`, formatted once per millisecond (a Date keeps whole milliseconds, truncated). */
function isoOf(at: number): string {
  const ms = Math.trunc(at);
  if (ms !== isoMs) {
    isoText = new Date(ms).toISOString();
    isoMs = ms;
  }
  return isoText;
}

/** A CSV cell: quoted only when it holds a comma, a quote or a line break (RFC 4180). */
function cell(value: string | undefined): string {
  if (value === undefined) return '';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 44 || c === 34 || c === 10 || c === 13) return `"${value.replaceAll('"', '""')}"`;
  }
  return value;
}
