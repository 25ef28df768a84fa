import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { Stringifier } from 'csv-stringify';
import { LoadfleetError } from '../../core/errors.ts';
import type { EventSink, LifecycleEvent } from '../../core/ports.ts';

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

/** `EventSinkClosedError` is raised when an event is written to a sink that was already closed. */
export class EventSinkClosedError extends LoadfleetError {
  constructor() {
    super('EVENT_SINK_CLOSED', 'cannot write an event: the event sink is closed');
  }
}

/**
 * `CsvEventSink` streams lifecycle events to a CSV file (events.csv), one row per event, with a header
 * row. Rows go through csv-stringify into a file write stream, so events are not kept in memory once
 * the file has taken them.
 *
 * Backpressure: `write` is synchronous (the `EventSink` port), so it does not wait for the disk. If
 * events arrive faster than the disk accepts them, they queue in the streams' buffers until it catches
 * up. A load run produces a few events per request, far below disk speed, so this is accepted;
 * `needsDrain` and `drained()` let a producer that can wait do so.
 *
 * @example
 * const sink = await CsvEventSink.open('reports/run-42/events.csv');
 * sink.write({ at: clock.now(), unitId: 'u1', index: 0, key: 'ORD-1', type: 'request', request: 'create', status: 202 });
 * await sink.close();
 */
export class CsvEventSink implements EventSink {
  private closed = false;
  private failure: unknown;

  private constructor(
    private readonly stringifier: Stringifier,
    private readonly done: Promise<void>,
  ) {
    // Remember a stream failure (disk full, file removed) and report it from close(); a rejection
    // nobody awaits yet would otherwise crash the process as unhandled.
    done.catch((error: unknown) => {
      this.failure = error;
    });
  }

  /** Creates (or truncates) the file at `path`, creating its folder, and writes the header row. */
  static async open(path: string): Promise<CsvEventSink> {
    await mkdir(dirname(path), { recursive: true });
    const file = createWriteStream(path, { encoding: 'utf8' });
    await once(file, 'open');
    const stringifier = stringify({ header: true, columns: [...EVENT_CSV_COLUMNS] });
    return new CsvEventSink(stringifier, pipeline(stringifier, file));
  }

  /** Queues one event as a CSV row. Throws `EventSinkClosedError` after `close()`. */
  write(event: LifecycleEvent): void {
    if (this.closed) throw new EventSinkClosedError();
    if (this.failure !== undefined) return;
    this.stringifier.write([
      new Date(event.at).toISOString(),
      event.unitId,
      event.index,
      event.key,
      event.type,
      event.request,
      event.attempt,
      event.status,
      event.latencyMs,
      event.errorKind,
      event.from,
      event.to,
      event.reason,
    ]);
  }

  /** True when the stream buffers are full and a producer that can wait should await `drained()`. */
  get needsDrain(): boolean {
    return this.stringifier.writableNeedDrain;
  }

  /** Resolves once buffered rows have been handed on (immediately when nothing is waiting). */
  async drained(): Promise<void> {
    if (this.stringifier.writableNeedDrain && this.failure === undefined) await once(this.stringifier, 'drain');
  }

  /** Flushes every row and resolves when the file is complete; rejects if writing the file failed. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.stringifier.end();
    }
    await this.done;
  }
}

/** `NullEventSink` discards every event (for runs without an event log, and for tests). */
export class NullEventSink implements EventSink {
  write(_event: LifecycleEvent): void {}

  async close(): Promise<void> {}
}
