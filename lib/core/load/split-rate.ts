/**
 * `splitRate` divides a total rate among `workers` exactly as the purchaser seed's
 * DistributePurchasers does: an even integer share each, the remainder handed out one unit at a time
 * to the first workers, and any fractional leftover to the next one. The shares always add up to the
 * total, so the fleet's rate is the plan's rate however it is cut.
 *
 * @example
 * splitRate(100, 3); // [34, 33, 33]
 * splitRate(2, 3);   // [1, 1, 0]
 * splitRate(10.5, 4); // [3, 3, 2.5, 2]
 */
export function splitRate(total: number, workers: number): number[] {
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, got ${workers}`);
  if (!Number.isFinite(total) || total < 0) throw new RangeError(`rate must be a non-negative number, got ${total}`);
  const base = Math.floor(total / workers);
  let remainder = total - base * workers;
  const shares = new Array<number>(workers).fill(base);
  for (let i = 0; i < workers && remainder > 0; i++) {
    const extra = Math.min(1, remainder);
    // Round away float noise (e.g. 10.5 - 8 = 2.5000000000000004) so the shares add up exactly.
    shares[i] = Math.round((base + extra) * 1e9) / 1e9;
    remainder = Math.round((remainder - extra) * 1e9) / 1e9;
  }
  return shares;
}
