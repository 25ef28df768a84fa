import { gunzipSync, gzipSync } from 'node:zlib';
import * as z from 'zod';
import { CursorSchema } from '../../core/engine/cursor.ts';
import { InvalidJournalEntryError } from '../../core/fleet/errors.ts';
import type { JournalEntry, RunRecord, UnitRow } from '../../core/fleet/ports.ts';
import { UnitResultSchema } from '../../core/recorder/schema.ts';
import type { UnitResult } from '../../core/recorder/types.ts';
import { UnitSchema } from '../../core/units.ts';
import type { Unit } from '../../core/units.ts';
import { CorruptFleetRowError, ItemTooLargeError, UnitTooLargeError } from './errors.ts';

/**
 * The fleet table's layout, shared by `DynamoFleetStore`, the CDK stack and the test emulators: one
 * table, string keys `pk` (the run) and `sk` (the row in the run), TTL on `expiresAt` (epoch seconds).
 */
export const FLEET_TABLE = { partitionKey: 'pk', sortKey: 'sk', ttlAttribute: 'expiresAt' } as const;

/** Days a run's rows are kept before DynamoDB's TTL deletes them. */
export const FLEET_TTL_DAYS = 30;

/** DynamoDB's largest item: 400 KB (attribute names and values together, in DynamoDB's own count). */
export const DYNAMO_MAX_ITEM_BYTES = 400 * 1024;

/** Results whose JSON is larger than this are stored gzip-compressed (`resultGz`): items max out at 400 KB. */
export const RESULT_INLINE_LIMIT_BYTES = 300 * 1024;

/**
 * What a unit row's `unit` JSON may take: the item, less the largest inline result the row may get
 * later and 4 KiB for its keys, status, lease and worker.
 */
export const UNIT_JSON_BUDGET_BYTES = DYNAMO_MAX_ITEM_BYTES - RESULT_INLINE_LIMIT_BYTES - 4 * 1024;

/**
 * The size DynamoDB counts for an item (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
 * each attribute's name in UTF-8 plus its value: a string its UTF-8 bytes, binary its bytes, a number
 * at most 21 bytes, a boolean or null 1 byte, a list or map 3 bytes plus 1 per element and its
 * elements (a map's with their names). No SDK package computes it, hence these few lines; numbers are
 * counted at their maximum, so the figure is an upper bound.
 */
export function dynamoItemBytes(item: FleetItem): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name, 'utf8') + valueBytes(value), 0);
}

function valueBytes(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return 21;
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueBytes(v), 0);
  if (typeof value === 'object') return 3 + Object.entries(value).reduce((sum, [k, v]) => sum + 1 + Buffer.byteLength(k, 'utf8') + valueBytes(v), 0);
  return 0;
}

/** Throws when `item` would be refused by DynamoDB for its size, saying what it holds. */
function assertItemFits(item: FleetItem, what: string): FleetItem {
  const bytes = dynamoItemBytes(item);
  if (bytes > DYNAMO_MAX_ITEM_BYTES) throw new ItemTooLargeError(`${what} would be ${bytes} bytes, over DynamoDB's ${DYNAMO_MAX_ITEM_BYTES}-byte item limit`);
  return item;
}

/** Journal indexes are zero-padded to this many digits, so string order is numeric order (BETWEEN works). */
const JOURNAL_INDEX_DIGITS = 12;
const MAX_JOURNAL_INDEX = 10 ** JOURNAL_INDEX_DIGITS - 1;

/** A table item as the document client reads and writes it. */
export type FleetItem = Record<string, unknown>;

/** Key builders of the fleet table: `RUN#<runId>` / `RUN`, `UNIT#<unitId>`, `LC#<000000000042>`. */
export const fleetTableKeys = {
  runSortKey: 'RUN',
  unitPrefix: 'UNIT#',
  journalPrefix: 'LC#',
  partition: (runId: string): string => `RUN#${runId}`,
  run: (runId: string) => ({ pk: `RUN#${runId}`, sk: 'RUN' }),
  unit: (runId: string, unitId: string) => ({ pk: `RUN#${runId}`, sk: `UNIT#${unitId}` }),
  journal: (runId: string, index: number) => ({ pk: `RUN#${runId}`, sk: journalSortKey(index) }),
  journalSortKey,
};

function journalSortKey(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > MAX_JOURNAL_INDEX) {
    throw new InvalidJournalEntryError(`journal index must be an integer in 0..${MAX_JOURNAL_INDEX}, got ${index}`);
  }
  return `LC#${String(index).padStart(JOURNAL_INDEX_DIGITS, '0')}`;
}

/** Clamps a journal index bound into the range a sort key can hold (for range queries). */
export function clampJournalIndex(index: number): number {
  return Math.min(MAX_JOURNAL_INDEX, Math.max(0, Math.ceil(index)));
}

/** The TTL of a row written at `atMs`: epoch seconds, `FLEET_TTL_DAYS` later. */
export function expiresAt(atMs: number): number {
  return Math.floor(atMs / 1000) + FLEET_TTL_DAYS * 86_400;
}

/** Drops undefined attributes, so items are valid whether or not the client has `removeUndefinedValues`. */
function defined(item: FleetItem): FleetItem {
  return Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));
}

/** A string attribute holding JSON, validated by `schema` once parsed. */
function jsonOf<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx): unknown => {
      try {
        return JSON.parse(text);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** A binary attribute holding gzip-compressed JSON. */
const GzipResult = z
  .instanceof(Uint8Array)
  .transform((bytes, ctx): unknown => {
    try {
      return JSON.parse(gunzipSync(bytes).toString('utf8'));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not gzip-compressed JSON' });
      return z.NEVER;
    }
  })
  .pipe(UnitResultSchema);

const RunItemSchema = z.object({
  status: z.enum(['RUNNING', 'STOPPING', 'SWEEPING', 'DONE']),
  plan: jsonOf(z.unknown()),
  kind: z.string(),
  createdAt: z.number(),
  startAt: z.number(),
  deadline: z.number(),
  unitsPlanned: z.int().min(0),
  planned: z.int().min(0).optional(),
  warnings: z.array(z.string()),
  stopReason: z.string().optional(),
});

const UnitItemSchema = z.object({
  unit: jsonOf(UnitSchema),
  status: z.enum(['QUEUED', 'CLAIMED', 'DONE', 'SWEPT']),
  sent: z.boolean(),
  attempts: z.int().min(0),
  queuedAt: z.number().optional(),
  leaseUntil: z.number().optional(),
  worker: z.string().optional(),
  result: jsonOf(UnitResultSchema).optional(),
  resultGz: GzipResult.optional(),
});

const JournalItemSchema = z.object({
  unitId: z.string(),
  key: z.string(),
  seq: z.int().min(1),
  phase: z.enum(['running', 'parked', 'finished']),
  state: z.string().optional(),
  cursor: jsonOf(CursorSchema).optional(),
  outcome: z.enum(['completed', 'failed', 'dropped']).optional(),
  terminal: z.boolean().optional(),
  reason: z.string().optional(),
});

function parseItem<T extends z.ZodType>(schema: T, runId: string, item: FleetItem): z.output<T> {
  const parsed = schema.safeParse(item);
  if (!parsed.success) throw new CorruptFleetRowError(runId, String(item.sk), z.prettifyError(parsed.error));
  return parsed.data;
}

/**
 * The run row of `run`. It holds the plan's text (at most `MAX_PLAN_BYTES`) and what setup captured;
 * throws when the two together do not fit in one item.
 */
export function runToItem(run: RunRecord): FleetItem {
  return assertItemFits(defined({
    ...fleetTableKeys.run(run.runId),
    status: run.status,
    plan: JSON.stringify(run.plan),
    kind: run.kind,
    createdAt: run.createdAt,
    startAt: run.startAt,
    deadline: run.deadline,
    unitsPlanned: run.unitsPlanned,
    planned: run.planned,
    warnings: [...run.warnings],
    stopReason: run.stopReason,
    expiresAt: expiresAt(run.createdAt),
  }), `the run row of ${run.runId} (the plan's text and the values its setup captured)`);
}

/** Parses a run row. */
export function runFromItem(runId: string, item: FleetItem): RunRecord {
  return { runId, ...parseItem(RunItemSchema, runId, item) };
}

/** A new unit row: QUEUED, not sent, never claimed. Throws when the unit leaves no room for its result. */
export function unitToItem(runId: string, unit: Unit, atMs: number): FleetItem {
  const json = JSON.stringify(unit);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > UNIT_JSON_BUDGET_BYTES) throw new UnitTooLargeError(`unit ${unit.unitId} of run ${runId} is ${bytes} bytes as JSON, over the ${UNIT_JSON_BUDGET_BYTES} bytes a unit row keeps for it`);
  return { ...fleetTableKeys.unit(runId, unit.unitId), unit: json, status: 'QUEUED', sent: false, attempts: 0, queuedAt: atMs, expiresAt: expiresAt(atMs) };
}

/** Parses a unit row, checking the unit it holds is the one its key names. */
export function unitRowFromItem(runId: string, item: FleetItem): UnitRow {
  const row = parseItem(UnitItemSchema, runId, item);
  if (`${fleetTableKeys.unitPrefix}${row.unit.unitId}` !== item.sk || row.unit.runId !== runId) {
    throw new CorruptFleetRowError(runId, String(item.sk), `holds unit ${row.unit.unitId} of run ${row.unit.runId}`);
  }
  const { resultGz, result, ...rest } = row;
  return { ...rest, result: result ?? resultGz };
}

/** The attribute a result is stored in: inline JSON, or gzip when too large for a 400 KB item. */
export function encodeResult(result: UnitResult): { readonly name: 'result' | 'resultGz'; readonly value: string | Uint8Array } {
  const json = JSON.stringify(result);
  if (Buffer.byteLength(json, 'utf8') <= RESULT_INLINE_LIMIT_BYTES) return { name: 'result', value: json };
  return { name: 'resultGz', value: new Uint8Array(gzipSync(json)) };
}

/** The journal row of `entry`. */
export function journalToItem(runId: string, entry: JournalEntry, atMs: number): FleetItem {
  return defined({
    ...fleetTableKeys.journal(runId, entry.index),
    unitId: entry.unitId,
    key: entry.key,
    seq: entry.seq,
    phase: entry.phase,
    state: entry.state,
    cursor: entry.cursor === undefined ? undefined : JSON.stringify(entry.cursor),
    outcome: entry.outcome,
    terminal: entry.terminal,
    reason: entry.reason,
    expiresAt: expiresAt(atMs),
  });
}

/** Parses a journal row; the index comes from its sort key. */
export function journalFromItem(runId: string, item: FleetItem): JournalEntry {
  const match = /^LC#(\d{12})$/.exec(String(item.sk));
  if (!match?.[1]) throw new CorruptFleetRowError(runId, String(item.sk), 'not a journal sort key');
  return { index: Number(match[1]), ...parseItem(JournalItemSchema, runId, item) };
}
