import type { Cursor } from '../engine/cursor.ts';
import type { LifecycleOutcome, UnitResult } from '../recorder/types.ts';
import type { Unit } from '../units.ts';

/**
 * Ports of the distributed fleet: the durable run state (DynamoDB on AWS, memory in tests), the unit
 * queue (SQS) and the object store (S3). The fleet's use cases (lib/runtime/fleet) talk only to these.
 */

/** Where a run is in its life. Moves only forward: RUNNING -> STOPPING -> SWEEPING -> DONE. */
export type RunStatus = 'RUNNING' | 'STOPPING' | 'SWEEPING' | 'DONE';

/** The run row: the validated plan and the run's fixed figures, written once by the plan step. */
export interface RunRecord {
  readonly runId: string;
  /** The validated plan (JSON of `Plan`), so every worker rebuilds the same payloads and program. */
  readonly plan: unknown;
  /** Preset kind the plan came from (`custom`, `day-in-life`, ...), for the report. */
  readonly kind: string;
  readonly status: RunStatus;
  readonly createdAt: number;
  /** Common absolute start of open-model and burst units (epoch ms). */
  readonly startAt: number;
  /** Past this instant (epoch ms) the run is stopped: the plan's maxDuration plus a grace. */
  readonly deadline: number;
  /** Units written by the plan step (continuations not included). */
  readonly unitsPlanned: number;
  /** Lifecycles planned; undefined for open-ended models (vus, phases). */
  readonly planned?: number | undefined;
  readonly warnings: readonly string[];
  /** Why the run was stopped, when it was. */
  readonly stopReason?: string | undefined;
}

/** Where a unit is: queued (written, maybe sent), claimed by a worker under a lease, done, or swept. */
export type UnitStatus = 'QUEUED' | 'CLAIMED' | 'DONE' | 'SWEPT';

/** A unit row: the unit itself, its delivery state, and (once done) its result. */
export interface UnitRow {
  readonly unit: Unit;
  readonly status: UnitStatus;
  /** True once the unit's message was accepted by the queue. */
  readonly sent: boolean;
  /** Claims so far (1 = first run; more = taken over after a lost worker). */
  readonly attempts: number;
  /** When the unit was written (epoch ms). */
  readonly queuedAt?: number | undefined;
  /** While CLAIMED: the claim expires at this instant (epoch ms), after which another worker may take it. */
  readonly leaseUntil?: number | undefined;
  /** Execution environment that ran it (DONE), e.g. the Lambda log stream, for the distinct-worker count. */
  readonly worker?: string | undefined;
  readonly result?: UnitResult | undefined;
}

/** What claiming a unit gave. `token` must be shown again to complete it. */
export type ClaimOutcome =
  | { readonly status: 'claimed'; readonly attempt: number; readonly token: string }
  /** Another live worker holds it: try again later (the message comes back after the visibility timeout). */
  | { readonly status: 'busy' }
  /** Already DONE or SWEPT: a redelivery, acknowledge and do nothing. */
  | { readonly status: 'done' };

/**
 * A lifecycle's journal entry (only for plans that track an entity): written when the lifecycle
 * starts, at each state transition, when it parks and when it finishes, each write conditional on the
 * entry's previous `seq`, so two workers can never both move the same lifecycle. A lost worker's
 * lifecycles are found here by the worker that takes its unit over, or by the sweep.
 */
export interface JournalEntry {
  readonly index: number;
  readonly key: string;
  /** The unit that last moved it. */
  readonly unitId: string;
  /** Write counter: 1 at start, +1 per write. */
  readonly seq: number;
  readonly phase: 'running' | 'parked' | 'finished';
  /** Entity state reached (undefined until the first transition). */
  readonly state?: string | undefined;
  /** Cursor at the last write (running, parked); the sweep resumes it into its armed cleanup. */
  readonly cursor?: Cursor | undefined;
  /** How it ended (finished). */
  readonly outcome?: LifecycleOutcome | undefined;
  readonly terminal?: boolean | undefined;
  readonly reason?: string | undefined;
}

/** `FleetStore`: the durable state of distributed runs. Every write that could race is conditional. */
export interface FleetStore {
  /** Writes the run row and its units (QUEUED, not sent). Fails if the run id exists. */
  createRun(run: RunRecord, units: readonly Unit[]): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** RUNNING -> STOPPING with a reason; false when the run was not RUNNING. */
  requestStop(runId: string, reason: string): Promise<boolean>;
  /** Moves the run to `to` if its status is one of `from`; false otherwise. */
  setRunStatus(runId: string, to: RunStatus, from: readonly RunStatus[]): Promise<boolean>;
  /** Adds units (continuations) as QUEUED; returns those that were new (a repeated id is skipped). */
  addUnits(runId: string, units: readonly Unit[]): Promise<Unit[]>;
  /** Marks units as accepted by the queue. */
  markSent(runId: string, unitIds: readonly string[]): Promise<void>;
  /**
   * Every unit row of the run (all pages). With `results: false` the rows come without their results,
   * which is what progress checks need (a run's results can weigh megabytes).
   */
  listUnits(runId: string, opts?: { readonly results?: boolean }): Promise<UnitRow[]>;
  /**
   * Claims a unit: succeeds when it is QUEUED, or CLAIMED with a lease that expired before `now`
   * (its worker is gone); the lease runs to `now + leaseMs`.
   */
  claimUnit(runId: string, unitId: string, now: number, leaseMs: number): Promise<ClaimOutcome>;
  /**
   * Saves the result and moves the unit to DONE (or SWEPT), only if `token` still holds the claim.
   * False when it does not (the claim was taken over): the result is then not saved.
   */
  completeUnit(runId: string, unitId: string, token: string, result: UnitResult, opts: { readonly status: 'DONE' | 'SWEPT'; readonly worker?: string | undefined }): Promise<boolean>;
  /** Writes a journal entry if the stored one has `seq === entry.seq - 1` (or none, for seq 1). */
  writeJournal(runId: string, entry: JournalEntry): Promise<boolean>;
  /** Journal entries with index in [from, to] (inclusive). */
  journalRange(runId: string, from: number, to: number): Promise<JournalEntry[]>;
  /** Journal entries not finished (running or parked), for the sweep. */
  openJournal(runId: string): Promise<JournalEntry[]>;
}

/** `UnitQueue`: delivers units to workers (SQS on AWS), at least once. */
export interface UnitQueue {
  /**
   * Sends units, `delaySeconds` (0-900) before they become visible. Resolves with the ids accepted;
   * entries the queue refused are retried before giving up, and the ones still refused are left out.
   */
  send(units: readonly Unit[], delaySeconds?: number): Promise<string[]>;
}

/** `ObjectStore`: report and event files (S3 on AWS). */
export interface ObjectStore {
  put(key: string, body: string | Uint8Array, contentType: string): Promise<void>;
  get(key: string): Promise<string | undefined>;
  /** Keys under a prefix (all pages). */
  list(prefix: string): Promise<string[]>;
  /** A URI a user can fetch the object with (s3://bucket/key). */
  uri(key: string): string;
}
