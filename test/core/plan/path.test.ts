import { describe, expect, it } from 'vitest';
import { LoadfleetError } from '../../../lib/core/errors.ts';
import { compileCondition, ConditionSchema, describeCondition, PathSchema } from '../../../lib/core/plan/condition.ts';
import { compilePath, InvalidPathError, parsePath } from '../../../lib/core/plan/path.ts';

describe('Function: parsePath', () => {
  it.each([
    { path: '$.order.id', want: ['order', 'id'] },
    { path: '$.items[0].id', want: ['items', 0, 'id'] },
    { path: 'payload.type', want: ['payload', 'type'] },
    { path: '$', want: [] },
    { path: '$[2][10]', want: [2, 10] },
    { path: 'a.b-c.d_e', want: ['a', 'b-c', 'd_e'] },
  ])('splits $path into keys and indexes', ({ path, want }) => {
    // Act
    const segments = parsePath(path);

    // Assess
    expect(segments).toEqual(want);
  });

  it.each(['$.a..b', '$.a[x]', '$.a[0', '$.a]', '$.a.[0]x]'])('throws InvalidPathError for %j', (path) => {
    // Act + Assess
    expect(() => parsePath(path)).toThrow(InvalidPathError);
    expect(() => parsePath(path)).toThrow(`invalid path ${JSON.stringify(path)}: use dotted keys and [n] indexes`);
  });

  it('gives the error the PATH_INVALID code', () => {
    // Act
    const error = (() => {
      try {
        parsePath('$..');
      } catch (e) {
        return e;
      }
      return undefined;
    })();

    // Assess
    expect(error).toBeInstanceOf(LoadfleetError);
    expect((error as LoadfleetError).code).toBe('PATH_INVALID');
  });
});

describe('Function: compilePath', () => {
  const doc = { order: { id: 7, items: [{ sku: 'a' }, { sku: 'b' }] }, zero: 0, nil: null };

  it.each([
    { path: '$.order.id', want: 7 },
    { path: '$.order.items[1].sku', want: 'b' },
    { path: '$.zero', want: 0 },
    { path: '$.nil', want: null },
    { path: '$', want: doc },
  ])('reads $path', ({ path, want }) => {
    expect(compilePath(path)(doc)).toEqual(want);
  });

  it.each(['$.missing', '$.order.items[5].sku', '$.zero.deeper', '$.nil.deeper', '$.order.id.x'])(
    'returns undefined when %s is absent',
    (path) => {
      expect(compilePath(path)(doc)).toBeUndefined();
    },
  );

  it('returns undefined for a non-object root', () => {
    expect(compilePath('$.a')('text')).toBeUndefined();
    expect(compilePath('$.a')(undefined)).toBeUndefined();
  });
});

describe('Function: compileCondition', () => {
  const body = { status: 'Accepted', count: 3, flag: false, nothing: null };

  it.each([
    { cond: { path: '$.status', equals: 'Accepted' }, want: true },
    { cond: { path: '$.status', equals: 'accepted' }, want: false },
    { cond: { path: '$.count', equals: 3 }, want: true },
    { cond: { path: '$.count', equals: '3' }, want: false },
    { cond: { path: '$.nothing', equals: null }, want: true },
    { cond: { path: '$.status', notEquals: 'Pending' }, want: true },
    { cond: { path: '$.status', notEquals: 'Accepted' }, want: false },
    { cond: { path: '$.status', in: ['Accepted', 'Active'] }, want: true },
    { cond: { path: '$.status', in: ['Pending'] }, want: false },
    { cond: { path: '$.flag', exists: true }, want: true },
    { cond: { path: '$.missing', exists: true }, want: false },
    { cond: { path: '$.missing', exists: false }, want: true },
    { cond: { path: '$.nothing', exists: false }, want: false },
  ])('returns $want for $cond', ({ cond, want }) => {
    // Prepare
    const predicate = compileCondition(ConditionSchema.parse(cond));

    // Act + Assess
    expect(predicate(body)).toBe(want);
  });
});

describe('Function: describeCondition', () => {
  it.each([
    { cond: { path: '$.status', equals: 'Accepted' }, want: '$.status == "Accepted"' },
    { cond: { path: '$.n', notEquals: 1 }, want: '$.n != 1' },
    { cond: { path: '$.s', in: ['a', 'b'] }, want: '$.s in ["a","b"]' },
    { cond: { path: '$.id', exists: true }, want: '$.id exists' },
    { cond: { path: '$.id', exists: false }, want: '$.id is absent' },
  ])('describes $cond as $want', ({ cond, want }) => {
    expect(describeCondition(ConditionSchema.parse(cond))).toBe(want);
  });
});

describe('Const: ConditionSchema', () => {
  it('rejects a bad path with the path message', () => {
    // Act
    const result = ConditionSchema.safeParse({ path: '$.a..b', equals: 1 });

    // Assess
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('invalid path');
  });

  it('rejects an empty `in` list and an unknown operator', () => {
    expect(ConditionSchema.safeParse({ path: '$.a', in: [] }).success).toBe(false);
    expect(ConditionSchema.safeParse({ path: '$.a', matches: 'x' }).success).toBe(false);
  });

  it('PathSchema accepts a valid path as is', () => {
    expect(PathSchema.parse('$.a[0]')).toBe('$.a[0]');
  });
});
