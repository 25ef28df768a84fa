import { describe, expect, it } from 'vitest';
import { hashKeys, Rng } from '../../lib/core/rng.ts';

const draw = (rng: Rng, n = 20): number[] => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? rng.float() : rng.int(0, 1_000_000)));

describe('Class: Rng', () => {
  describe('Method: derive', () => {
    it('gives the same sequence for the same seed and keys', () => {
      expect(draw(Rng.derive(42, 'payload', 7))).toEqual(draw(Rng.derive(42, 'payload', 7)));
    });

    it('gives different sequences when any key or the seed differs', () => {
      // Prepare
      const base = draw(Rng.derive(42, 'payload', 7));

      // Act + Assess
      expect(draw(Rng.derive(42, 'payload', 8))).not.toEqual(base);
      expect(draw(Rng.derive(42, 'payloads', 7))).not.toEqual(base);
      expect(draw(Rng.derive(43, 'payload', 7))).not.toEqual(base);
      expect(draw(Rng.derive(42, 7, 'payload'))).not.toEqual(base);
    });

    it('tells a numeric key from the same digits as a string', () => {
      expect(hashKeys(1, [7])).not.toBe(hashKeys(1, ['7']));
    });

    it('splits keys, so ("ab") and ("a", "b") differ', () => {
      expect(hashKeys(1, ['ab'])).not.toBe(hashKeys(1, ['a', 'b']));
    });
  });

  describe('Method: hashKeys', () => {
    it('returns a stable 32-bit integer', () => {
      // Act
      const h = hashKeys(42, ['lifecycle', 3]);

      // Assess
      expect(h).toBe(hashKeys(42, ['lifecycle', 3]));
      expect(Number.isInteger(h)).toBe(true);
      expect(h).toBe(h | 0);
    });
  });

  describe('Method: state / fromState', () => {
    it('continues identically after a round trip through JSON', () => {
      // Prepare
      const original = Rng.of(99);
      draw(original, 5);
      const saved = JSON.parse(JSON.stringify(original.state())) as number[];

      // Act
      const restored = Rng.fromState(saved);

      // Assess
      expect(draw(restored, 50)).toEqual(draw(original, 50));
    });

    it('returns a copy, so drawing does not change a saved state', () => {
      // Prepare
      const rng = Rng.of(5);
      const saved = rng.state();
      const copy = [...saved];

      // Act
      rng.float();

      // Assess
      expect(saved).toEqual(copy);
      expect(rng.state()).not.toEqual(saved);
    });
  });

  describe('Method: float / int', () => {
    it('draws floats in [0, 1) and integers in [min, max], both ends reached', () => {
      // Prepare
      const rng = Rng.of(1);
      const ints = new Set<number>();

      // Act
      for (let i = 0; i < 2000; i++) {
        const f = rng.float();
        expect(f).toBeGreaterThanOrEqual(0);
        expect(f).toBeLessThan(1);
        ints.add(rng.int(3, 6));
      }

      // Assess
      expect([...ints].sort()).toEqual([3, 4, 5, 6]);
    });

    it('Rng.of treats the seed as a 32-bit integer', () => {
      expect(draw(Rng.of(2 ** 32 + 5))).toEqual(draw(Rng.of(5)));
    });
  });
});
