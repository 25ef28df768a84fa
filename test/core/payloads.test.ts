import { describe, expect, it } from 'vitest';
import { PayloadSource, uuidFrom } from '../../lib/core/payloads.ts';
import { PayloadsSchema } from '../../lib/core/plan/payload-spec.ts';
import { Rng } from '../../lib/core/rng.ts';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Builds a source from a raw payloads spec, validated as the plan would be. */
function source(spec: unknown, seed = 42): PayloadSource {
  return new PayloadSource(PayloadsSchema.parse(spec), seed);
}

const dayInLife = {
  count: 200,
  key: 'orderNumber',
  fields: {
    orderNumber: 'ORD-2024-{{seq:06}}',
    location: 'US-EAST-1',
    type: { exactly: { activate: 170, accepted: 30 } },
    customFields: { literal: { priority: 'normal', source: 'simulator' } },
  },
};

const all = (s: PayloadSource): Array<Record<string, unknown>> => Array.from({ length: s.count }, (_, i) => s.get(i));

describe('Class: PayloadSource', () => {
  describe('Method: get', () => {
    it('builds identical payloads from the same seed', () => {
      expect(all(source(dayInLife, 42))).toEqual(all(source(dayInLife, 42)));
    });

    it('builds payload i the same way whatever was built before it', () => {
      // Prepare
      const a = source(dayInLife);
      const b = source(dayInLife);
      all(a);

      // Act + Assess
      expect(a.get(137)).toEqual(b.get(137));
    });

    it('shuffles the exact values differently for a different seed', () => {
      // Act
      const types42 = all(source(dayInLife, 42)).map((p) => p['type']);
      const types43 = all(source(dayInLife, 43)).map((p) => p['type']);

      // Assess
      expect(types43).not.toEqual(types42);
    });

    it('gives exact counts per value (170/30 over 200), really shuffled', () => {
      // Act
      const types = all(source(dayInLife)).map((p) => p['type']);

      // Assess
      expect(types.filter((t) => t === 'activate')).toHaveLength(170);
      expect(types.filter((t) => t === 'accepted')).toHaveLength(30);
      expect(types.slice(170).every((t) => t === 'accepted')).toBe(false);
    });

    it('gives exact counts over 100,000 payloads', () => {
      // Prepare
      const s = source({ count: 100_000, fields: { kind: { exactly: { a: 85_000, b: 10_000, c: 5000 } } } }, 7);
      const counts: Record<string, number> = {};

      // Act
      for (let i = 0; i < s.count; i++) {
        const k = s.get(i)['kind'] as string;
        counts[k] = (counts[k] ?? 0) + 1;
      }

      // Assess
      expect(counts).toEqual({ a: 85_000, b: 10_000, c: 5000 });
    });

    it('numbers orders ORD-2024-000001 upwards, each unique', () => {
      // Act
      const numbers = all(source(dayInLife)).map((p) => p['orderNumber']);

      // Assess
      expect(numbers[0]).toBe('ORD-2024-000001');
      expect(numbers[1]).toBe('ORD-2024-000002');
      expect(numbers[199]).toBe('ORD-2024-000200');
      expect(new Set(numbers).size).toBe(200);
      expect(numbers.every((n) => /^ORD-2024-\d{6}$/.test(n as string))).toBe(true);
    });

    it('keeps constants and literals as written, literals not interpreted', () => {
      // Prepare
      const s = source({ count: 2, fields: { n: 5, b: true, z: null, raw: { literal: { t: '{{seq}}', pick: [1] } }, s: 'plain' } });

      // Act
      const p = s.get(1);

      // Assess
      expect(p).toEqual({ n: 5, b: true, z: null, raw: { t: '{{seq}}', pick: [1] }, s: 'plain' });
    });

    it('gives each payload its own copy of a literal', () => {
      // Prepare
      const s = source({ count: 2, fields: { raw: { literal: { list: [1] } } } });
      const first = s.get(0);

      // Act
      (first['raw'] as { list: number[] }).list.push(2);

      // Assess
      expect(s.get(0)['raw']).toEqual({ list: [1] });
    });

    it('builds nested objects whose values are field specs', () => {
      // Prepare
      const s = source({ count: 3, fields: { meta: { id: 'M-{{index}}', tier: { pick: ['gold'] }, deep: { n: { int: [4, 4] } } } } });

      // Act
      const p = s.get(2);

      // Assess
      expect(p).toEqual({ meta: { id: 'M-2', tier: 'gold', deep: { n: 4 } } });
    });

    it('draws pick, int and uuid deterministically and in range', () => {
      // Prepare
      const spec = { count: 500, fields: { color: { pick: ['red', 'green', 'blue'] }, qty: { int: [1, 5] }, id: { uuid: true } } };
      const a = all(source(spec));
      const b = all(source(spec));

      // Act
      const colors = new Set(a.map((p) => p['color']));
      const qtys = new Set(a.map((p) => p['qty']));
      const ids = a.map((p) => p['id'] as string);

      // Assess
      expect(a).toEqual(b);
      expect([...colors].sort()).toEqual(['blue', 'green', 'red']);
      expect([...qtys].sort()).toEqual([1, 2, 3, 4, 5]);
      expect(ids.every((id) => UUID_RE.test(id))).toBe(true);
      expect(new Set(ids).size).toBe(500);
    });

    it('draws independent fields from independent streams', () => {
      // Prepare
      const spec = { count: 50, fields: { x: { int: [0, 1_000_000] }, y: { int: [0, 1_000_000] } } };

      // Act
      const ps = all(source(spec));

      // Assess
      expect(ps.some((p) => p['x'] !== p['y'])).toBe(true);
    });

    it('follows pick weights, and never picks a zero weight', () => {
      // Prepare
      const s = source({ count: 2000, fields: { tier: { pick: ['a', 'b', 'never'], weights: [3, 1, 0] } } });

      // Act
      const tiers = all(s).map((p) => p['tier']);
      const a = tiers.filter((t) => t === 'a').length;

      // Assess
      expect(tiers).not.toContain('never');
      expect(a).toBeGreaterThan(1350);
      expect(a).toBeLessThan(1650);
    });

    it.each([-1, 1.5, Number.NaN])('throws RangeError for the index %s', (index) => {
      // Prepare
      const s = source({ count: 3, fields: {} });

      // Act + Assess
      expect(() => s.get(index)).toThrow(RangeError);
      expect(() => s.get(index)).toThrow(`payload index ${index} is not a non-negative integer`);
    });

    it('cycles a finite pool for open-ended models: lifecycle n uses payload n mod count', () => {
      // Prepare
      const s = source({ count: 3, fields: { n: '{{seq}}' } });

      // Act + Assess
      expect([0, 1, 2, 3, 4, 7].map((i) => s.get(i).n)).toEqual(['1', '2', '3', '1', '2', '2']);
    });
  });

  describe('Method: keyOf', () => {
    it('uses the key field when the plan names one', () => {
      expect(source(dayInLife).keyOf(9)).toBe('ORD-2024-000010');
    });

    it('falls back to #index without a key field, or when the field is missing', () => {
      expect(source({ count: 3, fields: { a: 1 } }).keyOf(2)).toBe('#2');
      expect(source({ count: 3, key: 'nope', fields: { a: 1 } }).keyOf(1)).toBe('#1');
    });

    it('reads the key from a payload given to it', () => {
      expect(source(dayInLife).keyOf(0, { orderNumber: 'X-1' })).toBe('X-1');
    });
  });
});

describe('Function: uuidFrom', () => {
  it('draws a v4-shaped UUID, the same for the same stream', () => {
    // Act
    const a = uuidFrom(Rng.of(3));
    const b = uuidFrom(Rng.of(3));

    // Assess
    expect(a).toMatch(UUID_RE);
    expect(a).toBe(b);
    expect(uuidFrom(Rng.of(4))).not.toBe(a);
  });
});
