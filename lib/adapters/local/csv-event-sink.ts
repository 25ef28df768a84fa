import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { LoadfleetError } from '../../core/errors.ts';
import type { EventSink, LifecycleEvent } from '../../core/ports.ts';
import { Redactor } from '../../core/redactor.ts';
import { csvEventRow, EVENT_CSV_HEADER } from '../../core/report/events-csv.ts';

/** `EventSinkClosedError` is raised when an event is written to a sink that was already closed. */
export class EventSinkClosedError extends LoadfleetError {
  constructor() {
    super('EVENT_SINK_CLOSED', 'cannot write an event: the event sink is closed');
  }
}

/**
 * `CsvEventSink` streams lifecycle events to a CSV file in the events.csv format (`core/report/events-csv.ts`:
 * a header row, then `csvEventRow` per event, masked with the sink's `Redactor`, the plan's secrets).
 * This class owns only the I/O: rows are handed to the file stream in 64 KiB chunks, since one small
 * write per row cost a day-in-life run a good part of its CPU. Memory stays bounded by the chunk size
 * plus whatever the disk has not taken yet (`needsDrain` / `drained()` let a caller wait for it).
 *
 * A chunk is a list of flat rows joined once when it is written, not one string grown row by row: a
 * string grown by `+=` is a tree of thousands of pieces that has to be walked to be written.
 *
 * Rows are also handed to the file at least every `FLUSH_EVERY_MS`, whatever the chunk holds, so a
 * run that ends without closing the sink (SIGKILL, a second Ctrl+C, a crash) loses at most its last
 * second of events, not up to 64 KiB of them (a slow run's whole event log).
 */
export class CsvEventSink implements EventSink {
  private closed = false;
  private failure: unknown;
  private rows: string[] = [];
  private chars = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  private constructor(
    private readonly file: WriteStream,
    private readonly redactor: Redactor,
  ) {
    // Remember a stream failure (disk full, file removed) and report it from close(); an 'error'
    // nobody listens to would otherwise crash the process.
    file.on('error', (error: unknown) => {
      this.failure ??= error;
    });
    this.add(EVENT_CSV_HEADER);
    this.timer = setInterval(() => this.flush(), FLUSH_EVERY_MS);
    // The timer never keeps a process (or a worker thread) alive on its own.
    this.timer.unref();
  }

  /** Opens (creating folders as needed) and truncates the file at `path`; rows are masked with `redactor`. */
  static async open(path: string, redactor: Redactor = Redactor.none): Promise<CsvEventSink> {
    await mkdir(dirname(path), { recursive: true });
    const file = createWriteStream(path, { encoding: 'utf8' });
    await once(file, 'open');
    return new CsvEventSink(file, redactor);
  }

  /** Appends one event as a row; throws `EventSinkClosedError` after `close()`. */
  write(event: LifecycleEvent): void {
    if (this.closed) throw new EventSinkClosedError();
    if (this.failure !== undefined) return;
    this.add(csvEventRow(event, this.redactor));
    if (this.chars >= CHUNK_CHARS) this.flush();
  }

  /** True while the file stream holds more than its high-water mark. */
  get needsDrain(): boolean {
    return this.file.writableNeedDrain;
  }

  /** Resolves once the file stream has drained (at once when it need not). */
  async drained(): Promise<void> {
    if (this.file.writableNeedDrain && this.failure === undefined) await once(this.file, 'drain');
  }

  /** Flushes and closes the file; rejects with the stream's error if writing failed. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      clearInterval(this.timer);
      this.flush();
      this.file.end();
    }
    if (!this.file.closed && this.failure === undefined) await once(this.file, 'close').catch(() => undefined);
    if (this.failure !== undefined) throw this.failure;
  }

  private add(row: string): void {
    this.rows.push(row);
    this.chars += row.length;
  }

  private flush(): void {
    if (this.chars === 0 || this.failure !== undefined) return;
    const text = this.rows.join('');
    this.rows = [];
    this.chars = 0;
    this.file.write(text);
  }
}

/** Characters buffered before a write to the file (about 64 KiB). */
const CHUNK_CHARS = 64 * 1024;
/** Longest time a row waits in the buffer: what a hard stop may lose of the event log. */
export const FLUSH_EVERY_MS = 1000;

/** `NullEventSink` drops every event: for runs that write no event log (`hit` without --out, system steps). */
export class NullEventSink implements EventSink {
  write(_event: LifecycleEvent): void {}

  async close(): Promise<void> {}
}
