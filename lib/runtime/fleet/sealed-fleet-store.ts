import type { Cursor } from '../../core/engine/cursor.ts';
import type { ClaimOutcome, FleetStore, JournalEntry, RunRecord, RunStatus, UnitQueue, UnitRow } from '../../core/fleet/ports.ts';
import type { UnitResult } from '../../core/recorder/types.ts';
import type { Redactor } from '../../core/redactor.ts';
import type { Unit } from '../../core/units.ts';
import type { SecretSeal } from './secret-seal.ts';

/** A unit result's encoded histograms: data, not text, that a mask would corrupt. */
const ENCODED = new Set(['histogram']);

/**
 * `SealedFleetStore` keeps the fleet's secrets out of the run table, whatever a function writes: the
 * state lifecycles carry on with (cursors of journal entries and resume units, the values setup
 * captured, journal keys, states and reasons) is sealed (`SecretSeal`: each secret becomes a
 * reference to its name) on the way in and unsealed on the way out, so a resumed lifecycle sends
 * exactly what it would have; unit results, which only end up in the report, are masked with the
 * `Redactor`. Every function that holds secrets (the ones that load plans) talks to the table through it.
 */
export class SealedFleetStore implements FleetStore {
  constructor(
    private readonly inner: FleetStore,
    private readonly seal: SecretSeal,
    private readonly redactor: Redactor,
  ) {}

  createRun(run: RunRecord, units: readonly Unit[]): Promise<void> {
    return this.inner.createRun(this.sealRun(run), units.map((u) => withCursors(u, (c) => this.seal.seal(c))));
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const run = await this.inner.getRun(runId);
    return run && this.unsealRun(run);
  }

  requestStop(runId: string, reason: string): Promise<boolean> {
    return this.inner.requestStop(runId, this.redactor.text(reason));
  }

  setRunStatus(runId: string, to: RunStatus, from: readonly RunStatus[]): Promise<boolean> {
    return this.inner.setRunStatus(runId, to, from);
  }

  async addUnits(runId: string, units: readonly Unit[]): Promise<Unit[]> {
    const added = new Set((await this.inner.addUnits(runId, units.map((u) => withCursors(u, (c) => this.seal.seal(c))))).map((u) => u.unitId));
    return units.filter((u) => added.has(u.unitId));
  }

  markSent(runId: string, unitIds: readonly string[]): Promise<void> {
    return this.inner.markSent(runId, unitIds);
  }

  async listUnits(runId: string, opts?: { readonly results?: boolean }): Promise<UnitRow[]> {
    return (await this.inner.listUnits(runId, opts)).map((row) => ({ ...row, unit: withCursors(row.unit, (c) => this.seal.unseal(c)) }));
  }

  claimUnit(runId: string, unitId: string, now: number, leaseMs: number): Promise<ClaimOutcome> {
    return this.inner.claimUnit(runId, unitId, now, leaseMs);
  }

  completeUnit(runId: string, unitId: string, token: string, result: UnitResult, opts: { readonly status: 'DONE' | 'SWEPT'; readonly worker?: string | undefined }): Promise<boolean> {
    return this.inner.completeUnit(runId, unitId, token, this.redactor.value(result, ENCODED), opts);
  }

  writeJournal(runId: string, entry: JournalEntry): Promise<boolean> {
    const { key, state, reason, cursor } = entry;
    return this.inner.writeJournal(runId, { ...entry, ...this.seal.seal({ key, state, reason }), cursor: cursor && this.seal.seal(cursor) });
  }

  async journalRange(runId: string, from: number, to: number): Promise<JournalEntry[]> {
    return (await this.inner.journalRange(runId, from, to)).map((e) => this.unsealEntry(e));
  }

  async openJournal(runId: string): Promise<JournalEntry[]> {
    return (await this.inner.openJournal(runId)).map((e) => this.unsealEntry(e));
  }

  private unsealEntry(entry: JournalEntry): JournalEntry {
    const { key, state, reason, cursor } = entry;
    return { ...entry, ...this.seal.unseal({ key, state, reason }), cursor: cursor && this.seal.unseal(cursor) };
  }

  /** The run row keeps the plan's text (with its `${env:NAME}` references) and setup's captures, sealed. */
  private sealRun(run: RunRecord): RunRecord {
    return { ...run, plan: this.seal.seal(run.plan), warnings: run.warnings.map((w) => this.redactor.text(w)) };
  }

  private unsealRun(run: RunRecord): RunRecord {
    return { ...run, plan: this.seal.unseal(run.plan) };
  }
}

/**
 * `SealedUnitQueue` seals the cursors of the resume units it sends (see {@link SealedFleetStore}):
 * an SQS message never holds a secret. The worker unseals a unit as it takes it off the queue.
 */
export class SealedUnitQueue implements UnitQueue {
  constructor(
    private readonly inner: UnitQueue,
    private readonly seal: SecretSeal,
  ) {}

  send(units: readonly Unit[], delaySeconds?: number): Promise<string[]> {
    return this.inner.send(units.map((u) => withCursors(u, (c) => this.seal.seal(c))), delaySeconds);
  }
}

/** `unit` with `map` applied to its cursors (a resume unit's; other units carry none). */
export function withCursors(unit: Unit, map: (cursor: Cursor) => Cursor): Unit {
  return unit.kind === 'resume' ? { ...unit, cursors: unit.cursors.map(map) } : unit;
}
