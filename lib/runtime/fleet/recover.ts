import type { Cursor } from '../../core/engine/cursor.ts';
import type { FleetStore, JournalEntry } from '../../core/fleet/ports.ts';
import type { PayloadSource } from '../../core/payloads.ts';
import { Recorder } from '../../core/recorder/recorder.ts';
import type { Unit } from '../../core/units.ts';

/** Why lifecycles of a lost worker are counted the way they are (low-cardinality reasons). */
export const WORKER_LOST = 'worker lost';

/**
 * What to do with a unit whose first worker is gone (a takeover), or that the sweep closes: the
 * lifecycles the journal shows finished are counted from it (their worker's result was lost with
 * it); the open ones are resumed into their cleanup; the rest are run afresh (a takeover of a batch)
 * or counted as dropped (too late to start: an open-model start time has passed, or the sweep).
 */
export interface Recovery {
  /** Lifecycles counted from the journal, or dropped. */
  readonly recorder: Recorder;
  /** What is still to run from the start (a batch's untouched items), if anything. */
  readonly fresh?: Unit | undefined;
  /** Open lifecycles, their cursors moved into cleanup. */
  readonly resume: Cursor[];
}

/** Options of `recoverUnit`. */
export interface RecoverOptions {
  readonly store: FleetStore;
  readonly payloads: Pick<PayloadSource, 'keyOf'>;
  /** True when the plan journals its lifecycles (it tracks an entity). */
  readonly journaled: boolean;
  /** `takeover`: a worker runs what is left; `sweep`: nothing new starts. */
  readonly mode: 'takeover' | 'sweep';
  /** Why never-started lifecycles are dropped in a sweep (e.g. the stop reason). */
  readonly dropReason: string;
  readonly now: number;
  readonly runId: string;
  /** The plan's terminal entity states. */
  readonly terminal?: ReadonlySet<string> | undefined;
}

/** Works out what is left of `unit` (see `Recovery`). */
export async function recoverUnit(unit: Unit, opts: RecoverOptions): Promise<Recovery> {
  const recorder = new Recorder(opts.now);
  const planned = plannedIndices(unit);
  if (!opts.journaled) return recoverBlind(unit, planned, recorder, opts);
  const entries = new Map<number, JournalEntry>();
  if (planned && planned.length > 0) {
    for (const entry of await opts.store.journalRange(unit.runId, Math.min(...planned), Math.max(...planned))) entries.set(entry.index, entry);
  }
  const resume: Cursor[] = [];
  const untouched: number[] = [];
  const cursors = unit.kind === 'resume' ? new Map(unit.cursors.map((c) => [c.index, c])) : undefined;
  for (const index of planned ?? []) {
    const entry = entries.get(index);
    if (entry?.phase === 'finished') {
      recorder.recordLifecycle({ outcome: entry.outcome ?? 'failed', index, key: entry.key, state: entry.state, terminal: entry.terminal ?? true, reason: entry.reason });
    } else if (entry?.cursor) {
      const own = cursors?.get(index);
      // A resume unit's own cursor is newer than the journal only if the journal never saw it park.
      const latest = own && (own.seq ?? 0) >= entry.seq ? own : { ...entry.cursor, seq: entry.seq };
      const next = intoCleanup(latest);
      if (next) resume.push(next);
      else await closeLost(entry, recorder, opts);
    } else if (cursors?.has(index)) {
      resume.push(cursors.get(index) as Cursor);
    } else {
      untouched.push(index);
    }
  }
  let fresh: Unit | undefined;
  if (untouched.length > 0) {
    if (unit.kind === 'batch' && opts.mode === 'takeover') fresh = { ...unit, indices: untouched };
    else dropAll(untouched, recorder, opts, unit.kind === 'batch' ? opts.dropReason : `${WORKER_LOST}: start time passed`);
  }
  return { recorder, fresh, resume };
}

/** Without a journal nothing says which lifecycles ran: a batch is run again, open models are counted lost. */
function recoverBlind(unit: Unit, planned: number[] | undefined, recorder: Recorder, opts: RecoverOptions): Recovery {
  if (unit.kind === 'resume') return { recorder, resume: unit.cursors.map((c) => intoCleanup(c) ?? c) };
  if (unit.kind === 'batch' && opts.mode === 'takeover') return { recorder, fresh: unit, resume: [] };
  if (planned) dropAll(planned, recorder, opts, opts.mode === 'sweep' && unit.kind === 'batch' ? opts.dropReason : WORKER_LOST);
  return { recorder, resume: [] };
}

/**
 * Closes the journal entry of a lifecycle a lost worker left with nothing to clean up, then counts it
 * failed. Without a state it was lost during its first request: the target may hold an entity no one
 * can name, so it is listed as not terminal.
 */
async function closeLost(entry: JournalEntry, recorder: Recorder, opts: RecoverOptions): Promise<void> {
  const reason = entry.state === undefined ? `${WORKER_LOST} during its first request` : WORKER_LOST;
  const terminal = entry.state !== undefined && (opts.terminal?.has(entry.state) ?? true);
  const closed = await opts.store.writeJournal(opts.runId, { ...entry, cursor: undefined, seq: entry.seq + 1, phase: 'finished', outcome: 'failed', terminal, reason });
  if (closed) recorder.recordLifecycle({ outcome: 'failed', index: entry.index, key: entry.key, state: entry.state ?? 'unknown', terminal, reason });
}

/** A cursor moved to its armed cleanup (body cut short by the lost worker); undefined if it has none. */
function intoCleanup(cursor: Cursor): Cursor | undefined {
  if (cursor.phase === 'cleanup') return cursor;
  if (cursor.armed === undefined) return undefined;
  const { armed, pollAttempt: _a, pollStartedAt: _s, startAt: _t, wakeAt: _w, ...rest } = cursor;
  return { ...rest, phase: 'cleanup', pc: armed, failure: cursor.failure ?? WORKER_LOST };
}

function dropAll(indices: readonly number[], recorder: Recorder, opts: RecoverOptions, reason: string): void {
  for (const index of indices) recorder.recordLifecycle({ outcome: 'dropped', index, key: opts.payloads.keyOf(index), terminal: true, reason });
}

/** The payload indexes a unit plans, when they are known up front (not for vus and phases). */
export function plannedIndices(unit: Unit): number[] | undefined {
  switch (unit.kind) {
    case 'batch':
      return [...unit.indices];
    case 'rate':
    case 'burst':
      return Array.from({ length: unit.count }, (_, i) => unit.firstIndex + i);
    case 'resume':
      return unit.cursors.map((c) => c.index);
    default:
      return undefined;
  }
}
