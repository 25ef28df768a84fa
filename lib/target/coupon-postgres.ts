/**
 * A `CouponStore` on PostgreSQL, claiming exactly as the flash-sale seed does: one transaction that
 * locks the coupon row with `SELECT ... FOR UPDATE`, checks stock, inserts the claim (a unique
 * violation means "already claimed"), decrements, commits.
 */
import pg from 'pg';
import type { PoolClient } from 'pg';
import { ClaimCounters } from './coupon-store.ts';
import type { ClaimOutcome, Coupon, CouponStats, CouponStore } from './coupon-store.ts';

/** `PostgresCouponStoreOptions` configures a `PostgresCouponStore`. */
export interface PostgresCouponStoreOptions {
  /** e.g. `postgresql://postgres@127.0.0.1:5432/postgres`. */
  readonly connectionString: string;
  /** Pool size; default 10 (a 50-claim burst queues for connections, as it would in production). */
  readonly maxConnections?: number;
  /** Receives one JSON line when an idle connection fails (e.g. the server went away); default silent. */
  readonly log?: (line: string) => void;
}

// claimed_at is not in the seed's schema; it only lets claimed_by come back in claim order, like the
// in-memory stores (the ALTER adds it to a claims table made by the seed's own schema). The row lock serialises claims, so their timestamps are distinct.
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS coupons (
    name text PRIMARY KEY,
    amount integer NOT NULL,
    remaining_amount integer NOT NULL
  );
  CREATE TABLE IF NOT EXISTS claims (
    user_id text NOT NULL,
    coupon_name text NOT NULL REFERENCES coupons(name) ON DELETE CASCADE,
    claimed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (user_id, coupon_name)
  );
  ALTER TABLE claims ADD COLUMN IF NOT EXISTS claimed_at timestamptz NOT NULL DEFAULT clock_timestamp();
`;

/** PostgreSQL's SQLSTATE for unique_violation. */
const UNIQUE_VIOLATION = '23505';

/**
 * `PostgresCouponStore` keeps coupons in PostgreSQL. Call `init()` before use (it creates the tables
 * when missing) and `close()` after. Only point it at a database it may own: `reset()` empties its
 * `coupons` and `claims` tables.
 *
 * @example
 * const store = new PostgresCouponStore({ connectionString: 'postgresql://postgres@127.0.0.1:5432/postgres' });
 * await store.init();
 * await store.create('FLASH_TEST', 5);
 * await store.claim('user_1', 'FLASH_TEST'); // 'ok'
 * await store.close();
 */
export class PostgresCouponStore implements CouponStore {
  readonly kind = 'postgres';
  private readonly pool: pg.Pool;
  private readonly counters = new ClaimCounters();
  private closing: Promise<void> | undefined;

  constructor(options: PostgresCouponStoreOptions) {
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
    // An idle client whose server goes away emits 'error' on the pool; unhandled, that kills the process.
    this.pool.on('error', (error) => options.log?.(JSON.stringify({ level: 'warn', msg: 'postgres idle client error', error: String(error) })));
  }

  /** Creates the tables when missing. */
  async init(): Promise<void> {
    await this.pool.query(SCHEMA);
  }

  async create(name: string, amount: number): Promise<'created' | 'exists'> {
    const result = await this.pool.query(
      'INSERT INTO coupons (name, amount, remaining_amount) VALUES ($1, $2, $2) ON CONFLICT (name) DO NOTHING',
      [name, amount],
    );
    return result.rowCount === 1 ? 'created' : 'exists';
  }

  async claim(userId: string, couponName: string): Promise<ClaimOutcome> {
    const client = await this.pool.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const outcome = await claimInTransaction(client, userId, couponName);
      await client.query(outcome === 'ok' ? 'COMMIT' : 'ROLLBACK');
      return outcome === 'not-found' ? outcome : this.counters.record(outcome);
    } catch (error) {
      broken = error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      // A client that failed mid-transaction is discarded rather than handed to the next claim.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  async get(name: string): Promise<Coupon | undefined> {
    const coupon = await this.pool.query<{ name: string; amount: number; remaining_amount: number }>(
      'SELECT name, amount, remaining_amount FROM coupons WHERE name = $1',
      [name],
    );
    const row = coupon.rows[0];
    if (!row) return undefined;
    const claims = await this.pool.query<{ user_id: string }>(
      'SELECT user_id FROM claims WHERE coupon_name = $1 ORDER BY claimed_at, user_id',
      [name],
    );
    return { name: row.name, amount: row.amount, remaining_amount: row.remaining_amount, claimed_by: claims.rows.map((r) => r.user_id) };
  }

  async reset(): Promise<void> {
    await this.pool.query('TRUNCATE claims, coupons');
    this.counters.reset();
  }

  stats(): CouponStats {
    return { store: this.kind, claims: this.counters.snapshot() };
  }

  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }
}

/** The seed's `ClaimCoupon`, inside an open transaction; the caller commits on 'ok' and rolls back otherwise. */
async function claimInTransaction(client: PoolClient, userId: string, couponName: string): Promise<ClaimOutcome> {
  // 1. Lock the row: concurrent claims of this coupon wait here until this transaction ends.
  const locked = await client.query<{ remaining_amount: number }>('SELECT remaining_amount FROM coupons WHERE name = $1 FOR UPDATE', [couponName]);
  const coupon = locked.rows[0];
  if (!coupon) return 'not-found';
  // 2. Check stock.
  if (coupon.remaining_amount <= 0) return 'out-of-stock';
  // 3. Insert the claim; the unique constraint is what refuses a second claim by the same user.
  try {
    await client.query('INSERT INTO claims (user_id, coupon_name) VALUES ($1, $2)', [userId, couponName]);
  } catch (error) {
    if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) return 'already-claimed';
    throw error;
  }
  // 4. Decrement stock.
  await client.query('UPDATE coupons SET remaining_amount = remaining_amount - 1 WHERE name = $1', [couponName]);
  return 'ok';
}
