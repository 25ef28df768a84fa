import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { InvalidJournalEntryError, InvalidUnitsError, RunExistsError, UnitNotFoundError } from '../../core/fleet/errors.ts';
import type { ClaimOutcome, FleetStore, JournalEntry, RunRecord, RunStatus, UnitRow } from '../../core/fleet/ports.ts';
import type { UnitResult } from '../../core/recorder/types.ts';
import type { Unit } from '../../core/units.ts';
import {
  clampJournalIndex, encodeResult, fleetTableKeys, journalFromItem, journalToItem, runFromItem, runToItem, unitRowFromItem, unitToItem,
} from './fleet-table.ts';
import type { FleetItem } from './fleet-table.ts';
import { UnexpectedResponseError, WriteIncompleteError } from './errors.ts';
import { backoff, chunk, isAwsError, mapLimit, resolveBatchRetry } from './retry.ts';
import type { BatchRetryOptions, ResolvedBatchRetry } from './retry.ts';

export { FLEET_TABLE, fleetTableKeys } from './fleet-table.ts';

const CONDITION_FAILED = 'ConditionalCheckFailedException';
/** BatchWriteItem takes at most 25 items per call. */
const BATCH_WRITE_MAX = 25;
const DEFAULT_BATCH_RETRY: ResolvedBatchRetry = { attempts: 8, baseDelayMs: 50, maxDelayMs: 2_000 };

/** The attributes of a unit row other than its result (`#s` status, `#u` unit: reserved words). */
const UNIT_ROW_WITHOUT_RESULT = 'pk, sk, #u, #s, sent, attempts, queuedAt, leaseUntil, worker';

/** Options of `DynamoFleetStore`. */
export interface DynamoFleetStoreOptions {
  /** Document client; build it with `awsClients()` (its `maxAttempts` is the throttling retry budget). */
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Query page size (`Limit`); undefined = DynamoDB's 1 MB pages. Small values exercise paging in tests. */
  readonly queryPageSize?: number | undefined;
  /** Retries of `UnprocessedItems` in `createRun` (default 8 calls, 50 ms base, 2 s cap, full jitter). */
  readonly batchRetry?: BatchRetryOptions | undefined;
  /** Writes in flight at once for per-item calls and unit batches (default 8). */
  readonly concurrency?: number | undefined;
  /** Epoch ms for the TTL of rows written after the plan step (default `Date.now`). */
  readonly clock?: (() => number) | undefined;
}

/**
 * `DynamoFleetStore` keeps distributed runs in one DynamoDB table (layout in `FLEET_TABLE` and
 * `fleetTableKeys`). Every write that could race is one conditional request, so no transactions are
 * needed; everything read back is validated, and a corrupt row throws `CorruptFleetRowError`.
 *
 * @example
 * const { dynamo } = awsClients();
 * const store = new DynamoFleetStore({ client: dynamo, tableName: process.env.FLEET_TABLE! });
 */
export class DynamoFleetStore implements FleetStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly pageSize: number | undefined;
  private readonly retry: ResolvedBatchRetry;
  private readonly concurrency: number;
  private readonly clock: () => number;

  constructor(options: DynamoFleetStoreOptions) {
    this.client = options.client;
    this.table = options.tableName;
    this.pageSize = options.queryPageSize;
    this.retry = resolveBatchRetry(options.batchRetry, DEFAULT_BATCH_RETRY);
    this.concurrency = options.concurrency ?? 8;
    this.clock = options.clock ?? Date.now;
  }

  async createRun(run: RunRecord, units: readonly Unit[]): Promise<void> {
    checkUnits(run.runId, units);
    try {
      await this.client.send(new PutCommand({ TableName: this.table, Item: runToItem(run), ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (error) {
      if (isAwsError(error, CONDITION_FAILED)) throw new RunExistsError(run.runId, { cause: error });
      throw error;
    }
    // The run row goes first so a second plan step with the same id fails before touching any unit.
    const items = units.map((unit) => unitToItem(run.runId, unit, run.createdAt));
    await mapLimit(chunk(items, BATCH_WRITE_MAX), this.concurrency, (batch) => this.batchWrite(run.runId, batch));
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.table, Key: fleetTableKeys.run(runId), ConsistentRead: true }));
    return out.Item ? runFromItem(runId, out.Item) : undefined;
  }

  async requestStop(runId: string, reason: string): Promise<boolean> {
    return this.conditional(new UpdateCommand({
      TableName: this.table,
      Key: fleetTableKeys.run(runId),
      UpdateExpression: 'SET #s = :stopping, #reason = :reason',
      ConditionExpression: '#s = :running',
      ExpressionAttributeNames: { '#s': 'status', '#reason': 'stopReason' },
      ExpressionAttributeValues: { ':stopping': 'STOPPING', ':running': 'RUNNING', ':reason': reason },
    }));
  }

  async setRunStatus(runId: string, to: RunStatus, from: readonly RunStatus[]): Promise<boolean> {
    if (from.length === 0) return false;
    const names = from.map((_, i) => `:from${i}`);
    return this.conditional(new UpdateCommand({
      TableName: this.table,
      Key: fleetTableKeys.run(runId),
      UpdateExpression: 'SET #s = :to',
      // IN fails on a missing status too, so an unknown run is never created by this update.
      ConditionExpression: `#s IN (${names.join(', ')})`,
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':to': to, ...Object.fromEntries(from.map((status, i) => [names[i], status])) },
    }));
  }

  async addUnits(runId: string, units: readonly Unit[]): Promise<Unit[]> {
    checkUnits(runId, units, { allowDuplicates: true });
    const at = this.clock();
    const added = await mapLimit(units, this.concurrency, (unit) => this.conditional(new PutCommand({
      TableName: this.table,
      Item: unitToItem(runId, unit, at),
      ConditionExpression: 'attribute_not_exists(sk)',
    })));
    return units.filter((_, i) => added[i]);
  }

  async markSent(runId: string, unitIds: readonly string[]): Promise<void> {
    await mapLimit(unitIds, this.concurrency, async (unitId) => {
      const updated = await this.conditional(new UpdateCommand({
        TableName: this.table,
        Key: fleetTableKeys.unit(runId, unitId),
        UpdateExpression: 'SET #sent = :true',
        // Without it an unknown id would create a half row that fails validation later.
        ConditionExpression: 'attribute_exists(sk)',
        ExpressionAttributeNames: { '#sent': 'sent' },
        ExpressionAttributeValues: { ':true': true },
      }));
      if (!updated) throw unknownUnit(runId, unitId);
    });
  }

  async listUnits(runId: string, opts: { readonly results?: boolean } = {}): Promise<UnitRow[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': fleetTableKeys.partition(runId), ':prefix': fleetTableKeys.unitPrefix },
      // Without results a progress check reads a few hundred bytes per unit instead of whole histograms.
      ...(opts.results === false ? { ProjectionExpression: UNIT_ROW_WITHOUT_RESULT, ExpressionAttributeNames: { '#s': 'status', '#u': 'unit' } } : {}),
    });
    return items.map((item) => unitRowFromItem(runId, item));
  }

  async claimUnit(runId: string, unitId: string, now: number, leaseMs: number): Promise<ClaimOutcome> {
    const token = randomUUID();
    try {
      const out = await this.client.send(new UpdateCommand({
        TableName: this.table,
        Key: fleetTableKeys.unit(runId, unitId),
        UpdateExpression: 'SET #s = :claimed, #lease = :lease, #token = :token, #attempts = #attempts + :one',
        ConditionExpression: 'attribute_exists(sk) AND (#s = :queued OR (#s = :claimed AND #lease < :now))',
        ExpressionAttributeNames: { '#s': 'status', '#lease': 'leaseUntil', '#token': 'token', '#attempts': 'attempts' },
        ExpressionAttributeValues: { ':claimed': 'CLAIMED', ':queued': 'QUEUED', ':lease': now + leaseMs, ':token': token, ':one': 1, ':now': now },
        ReturnValues: 'ALL_NEW',
        // DynamoDB then returns the blocking row with the error, saving a read (dynalite does not: see below).
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }));
      const attempt = out.Attributes?.attempts;
      if (typeof attempt !== 'number') throw new UnexpectedResponseError(`claim of unit ${unitId} of run ${runId} returned no attempt count`);
      return { status: 'claimed', attempt, token };
    } catch (error) {
      if (!isAwsError(error, CONDITION_FAILED)) throw error;
      const status = statusFromConditionError(error) ?? await this.readStatus(runId, unitId);
      if (status === undefined) throw unknownUnit(runId, unitId);
      // Not claimable a moment ago and states only move forward: DONE/SWEPT stays done, anything else is held.
      return status === 'DONE' || status === 'SWEPT' ? { status: 'done' } : { status: 'busy' };
    }
  }

  async completeUnit(runId: string, unitId: string, token: string, result: UnitResult, opts: { readonly status: 'DONE' | 'SWEPT'; readonly worker?: string | undefined }): Promise<boolean> {
    const encoded = encodeResult(result);
    const other = encoded.name === 'result' ? 'resultGz' : 'result';
    // Every attribute goes through a #name: `result` (and others) are DynamoDB reserved words.
    const names: Record<string, string> = { '#s': 'status', '#token': 'token', '#lease': 'leaseUntil', '#result': encoded.name, '#other': other };
    const sets = ['#s = :status', '#result = :result'];
    const values: Record<string, unknown> = { ':status': opts.status, ':result': encoded.value, ':claimed': 'CLAIMED', ':token': token };
    if (opts.worker !== undefined) {
      sets.push('#worker = :worker');
      names['#worker'] = 'worker';
      values[':worker'] = opts.worker;
    }
    return this.conditional(new UpdateCommand({
      TableName: this.table,
      Key: fleetTableKeys.unit(runId, unitId),
      UpdateExpression: `SET ${sets.join(', ')} REMOVE #lease, #token, #other`,
      ConditionExpression: '#s = :claimed AND #token = :token',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }));
  }

  async writeJournal(runId: string, entry: JournalEntry): Promise<boolean> {
    if (!Number.isInteger(entry.seq) || entry.seq < 1) throw new InvalidJournalEntryError(`journal seq must be an integer >= 1, got ${entry.seq}`);
    const first = entry.seq === 1;
    return this.conditional(new PutCommand({
      TableName: this.table,
      Item: journalToItem(runId, entry, this.clock()),
      ConditionExpression: first ? 'attribute_not_exists(sk)' : '#seq = :prev',
      ExpressionAttributeNames: first ? undefined : { '#seq': 'seq' },
      ExpressionAttributeValues: first ? undefined : { ':prev': entry.seq - 1 },
    }));
  }

  async journalRange(runId: string, from: number, to: number): Promise<JournalEntry[]> {
    if (from > to || to < 0) return [];
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': fleetTableKeys.partition(runId),
        ':from': fleetTableKeys.journalSortKey(clampJournalIndex(from)),
        ':to': fleetTableKeys.journalSortKey(clampJournalIndex(Math.floor(to))),
      },
    });
    return items.map((item) => journalFromItem(runId, item));
  }

  async openJournal(runId: string): Promise<JournalEntry[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      FilterExpression: '#phase <> :finished',
      ExpressionAttributeNames: { '#phase': 'phase' },
      ExpressionAttributeValues: { ':pk': fleetTableKeys.partition(runId), ':prefix': fleetTableKeys.journalPrefix, ':finished': 'finished' },
    });
    return items.map((item) => journalFromItem(runId, item));
  }

  /** Sends a conditional write: true if it applied, false if its condition failed; other errors propagate. */
  private async conditional(command: PutCommand | UpdateCommand): Promise<boolean> {
    try {
      // Two calls because send's overloads take one command type at a time.
      await (command instanceof PutCommand ? this.client.send(command) : this.client.send(command));
      return true;
    } catch (error) {
      if (isAwsError(error, CONDITION_FAILED)) return false;
      throw error;
    }
  }

  private async readStatus(runId: string, unitId: string): Promise<string | undefined> {
    const out = await this.client.send(new GetCommand({
      TableName: this.table,
      Key: fleetTableKeys.unit(runId, unitId),
      ConsistentRead: true,
      ProjectionExpression: '#s',
      ExpressionAttributeNames: { '#s': 'status' },
    }));
    if (!out.Item) return undefined;
    return typeof out.Item.status === 'string' ? out.Item.status : 'UNKNOWN';
  }

  /** Every item of a query, all pages, read consistently (a worker must see the writes that came before). */
  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<FleetItem[]> {
    const items: FleetItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(new QueryCommand({ ...input, TableName: this.table, ConsistentRead: true, Limit: this.pageSize, ExclusiveStartKey: start }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** One BatchWriteItem of up to 25 puts, re-sending `UnprocessedItems` with backoff until none is left. */
  private async batchWrite(runId: string, items: readonly FleetItem[]): Promise<void> {
    let pending = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; ; attempt++) {
      const out = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending } }));
      const left = out.UnprocessedItems?.[this.table] ?? [];
      if (left.length === 0) return;
      if (attempt >= this.retry.attempts) {
        throw new WriteIncompleteError(`${left.length} of ${items.length} unit rows of run ${runId} were still unprocessed after ${attempt} BatchWriteItem calls (table ${this.table})`);
      }
      pending = left.flatMap((request) => (request.PutRequest?.Item ? [{ PutRequest: { Item: request.PutRequest.Item } }] : []));
      await backoff(attempt, this.retry);
    }
  }
}

/** The status in a ConditionalCheckFailedException that carries the old item (real DynamoDB, ALL_OLD). */
function statusFromConditionError(error: unknown): string | undefined {
  // The document client does not unmarshall errors: `Item` is raw AttributeValues.
  const item = (error as { Item?: Record<string, { S?: string }> }).Item;
  return item?.status?.S;
}

function unknownUnit(runId: string, unitId: string): UnitNotFoundError {
  return new UnitNotFoundError(runId, unitId);
}

/** Units written under a run must belong to it, and one write may not name a unit twice. */
function checkUnits(runId: string, units: readonly Unit[], opts: { allowDuplicates?: boolean } = {}): void {
  const seen = new Set<string>();
  for (const unit of units) {
    if (unit.runId !== runId) throw new InvalidUnitsError(`unit ${unit.unitId} belongs to run ${unit.runId}, not ${runId}`);
    if (!opts.allowDuplicates && seen.has(unit.unitId)) throw new InvalidUnitsError(`unit ${unit.unitId} appears twice in run ${runId}`);
    seen.add(unit.unitId);
  }
}
