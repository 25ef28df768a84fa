import type { Cursor } from '../../core/engine/cursor.ts';
import type { LifecycleJournal } from '../../core/engine/journal.ts';
import type { FleetStore, JournalEntry } from '../../core/fleet/ports.ts';
import type { LifecycleRecord } from '../../core/recorder/types.ts';

/**
 * `StoreJournal` journals the lifecycles of one unit into the run table. Every write is conditional
 * on the entry's previous write counter (`cursor.seq`), so when two workers hold the same lifecycle
 * (a redelivered unit, a sweep racing a slow worker) the second write fails and that worker abandons
 * the lifecycle: it is moved, and counted, once.
 */
export class StoreJournal implements LifecycleJournal {
  constructor(
    private readonly store: FleetStore,
    private readonly runId: string,
    private readonly unitId: string,
  ) {}

  started(cursor: Cursor, key: string): Promise<boolean> {
    return this.write(cursor, key, { phase: 'running' });
  }

  transitioned(cursor: Cursor, key: string): Promise<boolean> {
    return this.write(cursor, key, { phase: 'running' });
  }

  parked(cursor: Cursor, key: string): Promise<boolean> {
    return this.write(cursor, key, { phase: 'parked' });
  }

  finished(cursor: Cursor, key: string, record: LifecycleRecord): Promise<boolean> {
    return this.write(cursor, key, { phase: 'finished', outcome: record.outcome, terminal: record.terminal, reason: record.reason }, false);
  }

  private async write(cursor: Cursor, key: string, fields: Partial<JournalEntry> & Pick<JournalEntry, 'phase'>, keepCursor = true): Promise<boolean> {
    const seq = (cursor.seq ?? 0) + 1;
    const entry: JournalEntry = {
      index: cursor.index, key, unitId: this.unitId, seq, state: cursor.state,
      ...(keepCursor ? { cursor: { ...cursor, vars: { ...cursor.vars }, seq } } : {}),
      ...fields,
    };
    const ok = await this.store.writeJournal(this.runId, entry);
    if (ok) cursor.seq = seq;
    return ok;
  }
}
