import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';

/**
 * `Rng` is a seeded pseudo-random source (xoroshiro128+ from pure-rand). Every draw in loadfleet goes
 * through one, so a run replays exactly from its seed. Its state is a small array of numbers, so a
 * lifecycle's generator can be checkpointed with its cursor and resumed on another worker.
 *
 * @example
 * const rng = Rng.derive(42, 'payload', 7);
 * rng.int(1, 5); // same value every time for (42, 'payload', 7)
 */
export class Rng {
  private constructor(
    private gen: JumpableRandomGenerator | undefined,
    private readonly seedOf?: () => number,
  ) {}

  /** The generator, derived on first use when the stream was deferred. */
  private g(): JumpableRandomGenerator {
    return (this.gen ??= xoroshiro128plus((this.seedOf as () => number)() | 0));
  }

  /** Creates a generator from a plain seed. */
  static of(seed: number): Rng {
    return new Rng(xoroshiro128plus(seed | 0));
  }

  /**
   * Derives an independent stream from a seed and a list of keys (strings or integers), e.g.
   * `(seed, 'lifecycle', index)`. The keys are hashed (FNV-1a, then a murmur3 finaliser) into a 32-bit seed.
   */
  static derive(seed: number, ...keys: ReadonlyArray<string | number>): Rng {
    return Rng.of(hashKeys(seed, keys));
  }

  /**
   * Like `derive`, but the stream is only computed when first drawn from: a lifecycle that draws
   * nothing (a plain `hit` request) pays nothing, and one that does gets exactly `derive`'s stream.
   */
  static deferred(seed: number, ...keys: ReadonlyArray<string | number>): Rng {
    return new Rng(undefined, () => hashKeys(seed, keys));
  }

  /** Restores a generator from `state()`. */
  static fromState(state: readonly number[]): Rng {
    return new Rng(xoroshiro128plusFromState(state));
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return uniformFloat64(this.g());
  }

  /** A uniform integer in [min, max] (both included). */
  int(min: number, max: number): number {
    return uniformInt(this.g(), min, max);
  }

  /**
   * Picks an index with probability proportional to its weight (weights >= 0, not all 0); `total` may be
   * passed when the caller already knows the sum.
   */
  pickIndex(weights: readonly number[], total = weights.reduce((a, b) => a + b, 0)): number {
    let draw = this.float() * total;
    for (let i = 0; i < weights.length; i++) {
      draw -= weights[i] as number;
      if (draw < 0) return i;
    }
    return weights.length - 1;
  }

  /** The generator's state, to checkpoint it. */
  state(): number[] {
    return [...this.g().getState()];
  }
}

/** Hashes a seed and keys into a 32-bit integer; stable across platforms and versions. */
export function hashKeys(seed: number, keys: ReadonlyArray<string | number>): number {
  let h = 0x811c9dc5 ^ (seed | 0);
  const mix = (code: number): void => {
    h ^= code & 0xff;
    h = Math.imul(h, 0x01000193);
  };
  for (const key of keys) {
    const text = typeof key === 'number' ? `#${key}` : `$${key}`;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      mix(c);
      mix(c >>> 8);
    }
    mix(0x1f);
  }
  // murmur3 fmix32: spreads the low-entropy FNV result over all bits.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** A v4-shaped UUID drawn from a seeded generator (deterministic, not cryptographic). */
export function uuidFrom(rng: Rng): string {
  const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
  const a = rng.int(0, 0xffffffff);
  const b = rng.int(0, 0xffff);
  const c = 0x4000 | rng.int(0, 0x0fff);
  const d = 0x8000 | rng.int(0, 0x3fff);
  const e1 = rng.int(0, 0xffffff);
  const e2 = rng.int(0, 0xffffff);
  return `${hex(a, 8)}-${hex(b, 4)}-${hex(c, 4)}-${hex(d, 4)}-${hex(e1, 6)}${hex(e2, 6)}`;
}
