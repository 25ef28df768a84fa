import type { LifecycleRecord } from '../recorder/types.ts';
import type { Cursor } from './cursor.ts';

/**
 * Durable record of lifecycles (AWS: DynamoDB), kept for plans that track an entity, so a lost worker's
 * lifecycles can be found and cleaned up. Each method returns false when the write was refused because
 * another worker moved the lifecycle first: the caller then abandons the lifecycle (records nothing
 * more), so two workers never both move the same lifecycle.
 *
 * The journal keeps its write counter in `cursor.seq` and may update it on the cursor it is given: the
 * interpreter always passes the live cursor, so the next write (and a parked cursor) carries it on.
 */
export interface LifecycleJournal {
  /** Before the first request of a fresh lifecycle (pc 0, body, no `seq` yet). */
  started(cursor: Cursor, key: string): Promise<boolean>;
  /** A checkpoint: after `cursor.state` changed or a cleanup was armed (the cursor is already updated). */
  transitioned(cursor: Cursor, key: string): Promise<boolean>;
  /** When `runLifecycle` returns a parked cursor (the cursor it returns). */
  parked(cursor: Cursor, key: string): Promise<boolean>;
  /** Before the outcome is recorded. */
  finished(cursor: Cursor, key: string, record: LifecycleRecord): Promise<boolean>;
}
