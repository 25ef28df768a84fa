import type { EventSink, LifecycleEvent } from '../../core/ports.ts';
import { Redactor } from '../../core/redactor.ts';
import { csvEventRow } from '../../core/report/events-csv.ts';

/**
 * `EventBuffer` collects one unit's lifecycle events as events.csv rows in memory (a Lambda has no disk
 * worth streaming to), to be uploaded as one part when the unit ends; the rows are `csvEventRow`'s, the
 * format a local run's `CsvEventSink` writes too. It holds at most `maxChars`;
 * past that it counts the rows it left out, so memory stays bounded on long units. Rows are masked with
 * `redactor` (the plan's secrets) as they are added.
 */
export class EventBuffer implements EventSink {
  private chunks: string[] = [];
  private chars = 0;
  /** Rows left out because the buffer was full. */
  omitted = 0;

  constructor(
    private readonly redactor: Redactor = Redactor.none,
    private readonly maxChars = 16 * 1024 * 1024,
  ) {}

  write(event: LifecycleEvent): void {
    const row = csvEventRow(event, this.redactor);
    if (this.chars + row.length > this.maxChars) {
      this.omitted++;
      return;
    }
    this.chunks.push(row);
    this.chars += row.length;
  }

  async close(): Promise<void> {}

  /** Rows collected so far (no header). */
  get rows(): number {
    return this.chunks.length;
  }

  /** The collected rows as CSV, without the header row (the parts are joined under one header). */
  text(): string {
    return this.chunks.join('');
  }
}
