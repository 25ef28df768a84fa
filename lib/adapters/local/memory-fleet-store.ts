import { randomUUID } from 'node:crypto';
import { InvalidJournalEntryError, InvalidUnitsError, RunExistsError, UnitNotFoundError } from '../../core/fleet/errors.ts';
import type { ClaimOutcome, FleetStore, JournalEntry, RunRecord, RunStatus, UnitRow } from '../../core/fleet/ports.ts';
import type { UnitResult } from '../../core/recorder/types.ts';
import type { Unit } from '../../core/units.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Unit rows also hold the claim token, which `UnitRow` never shows. */
interface StoredUnit extends Mutable<UnitRow> {
  token?: string | undefined;
}

/**
 * `MemoryFleetStore` is the in-process `FleetStore` for tests and single-process runs, with the same
 * semantics as `DynamoFleetStore` (both pass test/contracts/fleet-store.contract.ts): conditional
 * writes decided atomically (JavaScript is single-threaded and no method awaits between its check and
 * its write), and values deep-copied in and out so a caller can never change stored state by
 * mutating what it passed or got back.
 */
export class MemoryFleetStore implements FleetStore {
  /** @param clock epoch ms for `queuedAt` of units added after the run (default `Date.now`). */
  constructor(private readonly clock: () => number = Date.now) {}

  private readonly runs = new Map<string, RunRecord>();
  private readonly units = new Map<string, Map<string, StoredUnit>>();
  private readonly journal = new Map<string, Map<number, JournalEntry>>();

  async createRun(run: RunRecord, units: readonly Unit[]): Promise<void> {
    checkUnits(run.runId, units, false);
    if (this.runs.has(run.runId)) throw new RunExistsError(run.runId);
    this.runs.set(run.runId, copy(run));
    const rows = this.unitsOf(run.runId);
    for (const unit of units) rows.set(unit.unitId, newRow(unit, run.createdAt));
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const run = this.runs.get(runId);
    return run && copy(run);
  }

  async requestStop(runId: string, reason: string): Promise<boolean> {
    const run = this.runs.get(runId);
    if (run?.status !== 'RUNNING') return false;
    this.runs.set(runId, { ...run, status: 'STOPPING', stopReason: reason });
    return true;
  }

  async setRunStatus(runId: string, to: RunStatus, from: readonly RunStatus[]): Promise<boolean> {
    const run = this.runs.get(runId);
    if (!run || !from.includes(run.status)) return false;
    this.runs.set(runId, { ...run, status: to });
    return true;
  }

  async addUnits(runId: string, units: readonly Unit[]): Promise<Unit[]> {
    checkUnits(runId, units, true);
    const rows = this.unitsOf(runId);
    const added: Unit[] = [];
    for (const unit of units) {
      if (rows.has(unit.unitId)) continue;
      rows.set(unit.unitId, newRow(unit, this.clock()));
      added.push(copy(unit));
    }
    return added;
  }

  async markSent(runId: string, unitIds: readonly string[]): Promise<void> {
    const rows = this.unitsOf(runId);
    // All checked first so an unknown id changes nothing (DynamoDB may have marked some before failing).
    for (const unitId of unitIds) if (!rows.has(unitId)) throw unknownUnit(runId, unitId);
    for (const unitId of unitIds) (rows.get(unitId) as StoredUnit).sent = true;
  }

  async listUnits(runId: string, opts: { readonly results?: boolean } = {}): Promise<UnitRow[]> {
    // Sorted by id like a DynamoDB query on `UNIT#<unitId>`.
    return [...this.unitsOf(runId).entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, row]) => {
        const { token: _token, result, ...visible } = row;
        return copy(opts.results === false || result === undefined ? visible : { ...visible, result });
      });
  }

  async claimUnit(runId: string, unitId: string, now: number, leaseMs: number): Promise<ClaimOutcome> {
    const row = this.units.get(runId)?.get(unitId);
    if (!row) throw unknownUnit(runId, unitId);
    if (row.status === 'DONE' || row.status === 'SWEPT') return { status: 'done' };
    if (row.status === 'CLAIMED' && !((row.leaseUntil ?? 0) < now)) return { status: 'busy' };
    row.status = 'CLAIMED';
    row.leaseUntil = now + leaseMs;
    row.token = randomUUID();
    row.attempts += 1;
    return { status: 'claimed', attempt: row.attempts, token: row.token };
  }

  async completeUnit(runId: string, unitId: string, token: string, result: UnitResult, opts: { readonly status: 'DONE' | 'SWEPT'; readonly worker?: string | undefined }): Promise<boolean> {
    const row = this.units.get(runId)?.get(unitId);
    if (row?.status !== 'CLAIMED' || row.token !== token) return false;
    row.status = opts.status;
    row.result = copy(result);
    if (opts.worker !== undefined) row.worker = opts.worker;
    row.leaseUntil = undefined;
    row.token = undefined;
    return true;
  }

  async writeJournal(runId: string, entry: JournalEntry): Promise<boolean> {
    if (!Number.isInteger(entry.seq) || entry.seq < 1) throw new InvalidJournalEntryError(`journal seq must be an integer >= 1, got ${entry.seq}`);
    if (!Number.isInteger(entry.index) || entry.index < 0) throw new InvalidJournalEntryError(`journal index must be an integer >= 0, got ${entry.index}`);
    let entries = this.journal.get(runId);
    if (!entries) this.journal.set(runId, (entries = new Map()));
    const stored = entries.get(entry.index);
    if (entry.seq === 1 ? stored !== undefined : stored?.seq !== entry.seq - 1) return false;
    entries.set(entry.index, copy(entry));
    return true;
  }

  async journalRange(runId: string, from: number, to: number): Promise<JournalEntry[]> {
    return this.journalOf(runId).filter((entry) => entry.index >= from && entry.index <= to);
  }

  async openJournal(runId: string): Promise<JournalEntry[]> {
    return this.journalOf(runId).filter((entry) => entry.phase !== 'finished');
  }

  private unitsOf(runId: string): Map<string, StoredUnit> {
    let rows = this.units.get(runId);
    if (!rows) this.units.set(runId, (rows = new Map()));
    return rows;
  }

  /** Copies of a run's journal, in index order (as the DynamoDB sort key orders them). */
  private journalOf(runId: string): JournalEntry[] {
    return [...(this.journal.get(runId)?.values() ?? [])].sort((a, b) => a.index - b.index).map(copy);
  }
}

function newRow(unit: Unit, queuedAt: number): StoredUnit {
  return { unit: copy(unit), status: 'QUEUED', sent: false, attempts: 0, queuedAt };
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

function unknownUnit(runId: string, unitId: string): UnitNotFoundError {
  return new UnitNotFoundError(runId, unitId);
}

/** Same checks as `DynamoFleetStore`: units belong to the run; createRun may not name a unit twice. */
function checkUnits(runId: string, units: readonly Unit[], allowDuplicates: boolean): void {
  const seen = new Set<string>();
  for (const unit of units) {
    if (unit.runId !== runId) throw new InvalidUnitsError(`unit ${unit.unitId} belongs to run ${unit.runId}, not ${runId}`);
    if (!allowDuplicates && seen.has(unit.unitId)) throw new InvalidUnitsError(`unit ${unit.unitId} appears twice in run ${runId}`);
    seen.add(unit.unitId);
  }
}
