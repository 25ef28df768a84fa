import { describe, expect, it } from 'vitest';
import { DurationSchema, formatDuration, parseDuration } from '../../lib/core/duration.ts';

describe('Function: parseDuration', () => {
  it.each([
    { value: '250ms', want: 250 },
    { value: '2s', want: 2000 },
    { value: '1.5m', want: 90_000 },
    { value: '1h', want: 3_600_000 },
    { value: ' 30s ', want: 30_000 },
    { value: '0s', want: 0 },
    { value: 1500, want: 1500 },
    { value: 0, want: 0 },
  ])('parses $value as $want ms', ({ value, want }) => {
    expect(parseDuration(value)).toBe(want);
  });

  it.each(['5x', '', 's', '2 s', '-1s', '1d', '2S', 'abc'])('returns undefined for %j', (value) => {
    expect(parseDuration(value)).toBeUndefined();
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('returns undefined for the number %s', (value) => {
    expect(parseDuration(value)).toBeUndefined();
  });
});

describe('Function: formatDuration', () => {
  it.each([
    { ms: 0, want: '0ms' },
    { ms: 849.6, want: '850ms' },
    { ms: 1000, want: '1.00s' },
    { ms: 2500, want: '2.50s' },
    { ms: 12_340, want: '12.3s' },
    { ms: 60_000, want: '1m 0s' },
    { ms: 200_000, want: '3m 20s' },
  ])('formats $ms as $want', ({ ms, want }) => {
    expect(formatDuration(ms)).toBe(want);
  });
});

describe('Const: DurationSchema', () => {
  it('yields milliseconds for strings and numbers', () => {
    expect(DurationSchema.parse('2s')).toBe(2000);
    expect(DurationSchema.parse(750)).toBe(750);
  });

  it('reports a bad duration with the value and the accepted units', () => {
    // Act
    const result = DurationSchema.safeParse('5x');

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('invalid duration "5x": use a number with ms, s, m or h, e.g. "500ms", "2s", "5m"');
  });
});
