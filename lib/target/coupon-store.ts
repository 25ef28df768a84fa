/**
 * The flash-sale coupons domain of the demo target: the `CouponStore` interface and its two in-memory
 * implementations, a correct one and a deliberately racy one (PostgreSQL is in `coupon-postgres.ts`).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** `CouponStoreKind` names an implementation, as `/_stats` reports it. */
export type CouponStoreKind = 'memory' | 'racy' | 'postgres';

/** `ClaimOutcome` is the result of one claim. */
export type ClaimOutcome = 'ok' | 'out-of-stock' | 'already-claimed' | 'not-found';

/** `Coupon` is a coupon as `GET /coupons/:name` shows it (snake_case, as the flash-sale service names it). */
export interface Coupon {
  readonly name: string;
  readonly amount: number;
  readonly remaining_amount: number;
  /** User ids that claimed it, in claim order. */
  readonly claimed_by: readonly string[];
}

/** `CouponStats` is the ground truth about coupons, as reported by `/_stats`. */
export interface CouponStats {
  store: CouponStoreKind;
  /** Claims by outcome (claims of unknown coupons are not counted: they claim nothing). */
  claims: { ok: number; outOfStock: number; alreadyClaimed: number };
}

/**
 * `CouponStore` is what the coupons API needs from a store. Implementations are interchangeable: the
 * flash-sale workload checks the same outcome against each and learns which ones are safe.
 */
export interface CouponStore {
  readonly kind: CouponStoreKind;
  /** Creates a coupon with `amount` in stock; `'exists'` (and nothing changed) when the name is taken. */
  create(name: string, amount: number): Promise<'created' | 'exists'>;
  /** Claims one unit for `userId`. Stock is checked before the "already claimed" rule, as in the seed. */
  claim(userId: string, couponName: string): Promise<ClaimOutcome>;
  get(name: string): Promise<Coupon | undefined>;
  /** Forgets every coupon, claim and counter. */
  reset(): Promise<void>;
  /** The claim counters; synchronous, kept in this process whatever holds the coupons. */
  stats(): CouponStats;
  /** Releases what the store holds (connections); idempotent. */
  close(): Promise<void>;
}

/** `ClaimCounters` counts claim outcomes for a store; shared by every implementation. */
export class ClaimCounters {
  private counts = { ok: 0, outOfStock: 0, alreadyClaimed: 0 };

  /** Counts one outcome and returns it, so a store can `return counters.record(outcome)`. */
  record(outcome: ClaimOutcome): ClaimOutcome {
    if (outcome === 'ok') this.counts.ok += 1;
    else if (outcome === 'out-of-stock') this.counts.outOfStock += 1;
    else if (outcome === 'already-claimed') this.counts.alreadyClaimed += 1;
    return outcome;
  }

  /** A copy of the counts. */
  snapshot(): CouponStats['claims'] {
    return { ...this.counts };
  }

  reset(): void {
    this.counts = { ok: 0, outOfStock: 0, alreadyClaimed: 0 };
  }
}

interface CouponRecord {
  readonly name: string;
  readonly amount: number;
  remaining: number;
  readonly claimedBy: string[];
}

/** The table both in-memory stores keep; only the way they claim differs. */
abstract class InMemoryCoupons implements CouponStore {
  abstract readonly kind: CouponStoreKind;
  protected coupons = new Map<string, CouponRecord>();
  protected readonly counters = new ClaimCounters();

  create(name: string, amount: number): Promise<'created' | 'exists'> {
    if (this.coupons.has(name)) return Promise.resolve('exists');
    this.coupons.set(name, { name, amount, remaining: amount, claimedBy: [] });
    return Promise.resolve('created');
  }

  abstract claim(userId: string, couponName: string): Promise<ClaimOutcome>;

  get(name: string): Promise<Coupon | undefined> {
    const record = this.coupons.get(name);
    if (!record) return Promise.resolve(undefined);
    return Promise.resolve({ name: record.name, amount: record.amount, remaining_amount: record.remaining, claimed_by: [...record.claimedBy] });
  }

  reset(): Promise<void> {
    this.coupons = new Map();
    this.counters.reset();
    return Promise.resolve();
  }

  stats(): CouponStats {
    return { store: this.kind, claims: this.counters.snapshot() };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * `MemoryCouponStore` is the correct in-memory store (the default). The check and the decrement run
 * in one synchronous step, with no `await` between them: JavaScript runs one step at a time, so no
 * other claim can slip in between, which is all the lock the seed's `SELECT ... FOR UPDATE` buys.
 */
export class MemoryCouponStore extends InMemoryCoupons {
  readonly kind = 'memory';

  claim(userId: string, couponName: string): Promise<ClaimOutcome> {
    const record = this.coupons.get(couponName);
    if (!record) return Promise.resolve('not-found');
    if (record.remaining <= 0) return Promise.resolve(this.counters.record('out-of-stock'));
    if (record.claimedBy.includes(userId)) return Promise.resolve(this.counters.record('already-claimed'));
    record.remaining -= 1;
    record.claimedBy.push(userId);
    return Promise.resolve(this.counters.record('ok'));
  }
}

/** `DEFAULT_RACY_DELAY_MS` is the pause between read and write of `RacyCouponStore`: wide enough that a burst always oversells. */
export const DEFAULT_RACY_DELAY_MS = 2;

/**
 * `RacyCouponStore` is deliberately broken, for demos and for proving that a flash-sale check catches
 * a race: it reads the stock, awaits `delayMs` (standing in for a database round trip without a
 * lock), then writes back "the stock it read minus one". Concurrent claims all read the same stock,
 * so a burst succeeds more than `amount` times (lost updates) and `claimed_by` outgrows `amount`.
 */
export class RacyCouponStore extends InMemoryCoupons {
  readonly kind = 'racy';
  private readonly delayMs: number;

  constructor(delayMs = DEFAULT_RACY_DELAY_MS) {
    super();
    this.delayMs = delayMs;
  }

  async claim(userId: string, couponName: string): Promise<ClaimOutcome> {
    const record = this.coupons.get(couponName);
    if (!record) return 'not-found';
    const stock = record.remaining;
    if (stock <= 0) return this.counters.record('out-of-stock');
    if (record.claimedBy.includes(userId)) return this.counters.record('already-claimed');
    await sleep(this.delayMs); // the race window: every claim arriving now reads the same stock
    record.remaining = stock - 1;
    record.claimedBy.push(userId);
    return this.counters.record('ok');
  }
}
