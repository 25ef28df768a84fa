import { describe, expect, it } from 'vitest';
import {
  compileExpression,
  compileJson,
  compileString,
  compileUrlPath,
  containsTemplate,
  encodePathValue,
  referencedVars,
  TemplateError,
  type TemplateContext,
} from '../../../lib/core/plan/template.ts';

const ctx: TemplateContext = {
  payload: { orderNumber: 'ORD-1', type: 'activate', nested: { a: [10, 20] }, custom: { priority: 'normal' }, n: 5 },
  vars: { orderId: 'o-42', count: 3, obj: { k: 'v' }, list: ['x', 'y'], nil: null },
  index: 41,
  runId: 'run-9',
  now: Date.UTC(2024, 0, 2, 3, 4, 5, 678) + 0.4,
};

describe('Function: compileExpression', () => {
  it.each([
    { expr: 'index', want: 41 },
    { expr: 'seq', want: 42 },
    { expr: 'run.id', want: 'run-9' },
    { expr: 'now', want: '2024-01-02T03:04:05.678Z' },
    { expr: 'now.ms', want: Date.UTC(2024, 0, 2, 3, 4, 5, 678) },
    { expr: 'payload', want: ctx.payload },
    { expr: 'payload.type', want: 'activate' },
    { expr: 'payload.nested.a[1]', want: 20 },
    { expr: 'payload.missing', want: undefined },
    { expr: 'orderId', want: 'o-42' },
    { expr: 'vars.orderId', want: 'o-42' },
    { expr: 'obj.k', want: 'v' },
    { expr: 'list[1]', want: 'y' },
    { expr: 'unknownVar', want: undefined },
    { expr: 'seq:06', want: '000042' },
    { expr: 'index:03', want: '041' },
    { expr: ' seq : 04 ', want: '0042' },
    { expr: 'seq:01', want: '42' },
  ])('resolves {{$expr}} to the raw value', ({ expr, want }) => {
    // Act
    const value = compileExpression(expr)(ctx);

    // Assess
    expect(value).toEqual(want);
  });

  it.each([
    { expr: 'seq:6', msg: 'unknown format ":6" in {{seq:6}}: use :0N to zero-pad (e.g. {{seq:06}}) or :raw to insert a value into a path unencoded' },
    { expr: 'seq:x', msg: 'unknown format ":x" in {{seq:x}}' },
    { expr: 'seq:', msg: 'unknown format ":" in {{seq:}}' },
  ])('throws TemplateError for an unknown format in {{$expr}}', ({ expr, msg }) => {
    // Act + Assess
    expect(() => compileExpression(expr)).toThrow(TemplateError);
    expect(() => compileExpression(expr)).toThrow(msg);
  });

  it.each(['1abc', 'a b', 'a+b', 'vars.'])('throws TemplateError for the invalid expression {{%s}}', (expr) => {
    expect(() => compileExpression(expr)).toThrow(TemplateError);
    expect(() => compileExpression(expr)).toThrow(`invalid template expression {{${expr}}}`);
  });

  it('gives TemplateError the TEMPLATE_INVALID code', () => {
    try {
      compileExpression('seq:x');
      expect.unreachable();
    } catch (error) {
      expect((error as TemplateError).code).toBe('TEMPLATE_INVALID');
    }
  });
});

describe('Function: compileString', () => {
  it.each([
    { text: '/details?orderId={{orderId}}', want: '/details?orderId=o-42' },
    { text: 'ORD-2024-{{seq:06}}', want: 'ORD-2024-000042' },
    { text: '{{ seq }}-{{index}}', want: '42-41' },
    { text: 'plain text', want: 'plain text' },
    { text: '', want: '' },
    { text: 'n={{count}}', want: 'n=3' },
    { text: 'o={{obj}}', want: 'o={"k":"v"}' },
    { text: 'l={{list}}', want: 'l=["x","y"]' },
    { text: 'missing=[{{nope}}] nil=[{{nil}}]', want: 'missing=[] nil=[]' },
    { text: '{{payload.custom}}', want: '{"priority":"normal"}' },
    { text: 'a {{ run.id }} b', want: 'a run-9 b' },
    { text: 'half {{ open', want: 'half {{ open' },
  ])('renders $text as $want', ({ text, want }) => {
    // Act
    const rendered = compileString(text)(ctx);

    // Assess
    expect(rendered).toBe(want);
  });

  it('renders with the context of each call', () => {
    // Prepare
    const render = compileString('ORD-{{seq:06}}');

    // Act + Assess
    expect(render({ ...ctx, index: 0 })).toBe('ORD-000001');
    expect(render({ ...ctx, index: 99_999 })).toBe('ORD-100000');
  });

  it('throws at compile time for an unknown format, not at render time', () => {
    expect(() => compileString('x {{seq:zz}} y')).toThrow('unknown format ":zz"');
  });
});

describe('Function: compileJson', () => {
  it('substitutes a whole-string expression by the raw value (object, number, null)', () => {
    // Prepare
    const render = compileJson({ payload: '{{payload.custom}}', seq: '{{seq}}', count: '{{count}}', missing: '{{nope}}', list: '{{list}}' });

    // Act
    const json = render(ctx);

    // Assess
    expect(json).toBe('{"payload":{"priority":"normal"},"seq":42,"count":3,"missing":null,"list":["x","y"]}');
  });

  it('interpolates a string with text around the expression, keeping it a string', () => {
    // Prepare
    const render = compileJson({ id: 'o/{{orderId}}', n: 'n{{count}}', padded: '{{seq:06}}' });

    // Act
    const parsed: unknown = JSON.parse(render(ctx));

    // Assess
    expect(parsed).toEqual({ id: 'o/o-42', n: 'n3', padded: '000042' });
  });

  it('sends "{{payload}}" as the whole payload object', () => {
    expect(JSON.parse(compileJson('{{payload}}')(ctx))).toEqual(ctx.payload);
  });

  it('renders arrays, nested objects and constant subtrees', () => {
    // Prepare
    const render = compileJson({ a: [1, '{{seq}}', { b: '{{orderId}}' }], fixed: { x: [true, null, 'text'] }, n: 2 });

    // Act
    const json = render(ctx);

    // Assess
    expect(json).toBe('{"a":[1,42,{"b":"o-42"}],"fixed":{"x":[true,null,"text"]},"n":2}');
  });

  it('escapes interpolated text as JSON', () => {
    // Prepare
    const render = compileJson({ q: 'say "{{orderId}}"\n' });

    // Act + Assess
    expect(JSON.parse(render(ctx))).toEqual({ q: 'say "o-42"\n' });
  });

  it.each([
    { value: { a: 1 }, want: '{"a":1}' },
    { value: 'text', want: '"text"' },
    { value: 3, want: '3' },
    { value: null, want: 'null' },
    { value: undefined, want: 'null' },
  ])('serialises the constant $value once as $want', ({ value, want }) => {
    expect(compileJson(value)(ctx)).toBe(want);
  });
});

describe('Expression: {{now}}', () => {
  it('renders the ISO time of each call, to the millisecond, within one millisecond and across them', () => {
    // Prepare: the formatted text is kept per millisecond, so the order of calls must not matter
    const render = compileString('{{now}}');
    const at = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

    // Act
    const texts = [at + 0.2, at + 0.9, at + 1, at, at + 1000.5].map((now) => render({ ...ctx, now }));

    // Assess
    expect(texts).toEqual([at, at, at + 1, at, at + 1000].map((ms) => new Date(ms).toISOString()));
  });

  it('throws for a time a Date cannot hold, as Date does', () => {
    expect(() => compileString('{{now}}')({ ...ctx, now: Number.NaN })).toThrow(RangeError);
  });
});

describe('Function: containsTemplate', () => {
  it.each([
    { value: 'a {{b}}', want: true },
    { value: 'plain', want: false },
    { value: ['x', ['{{y}}']], want: true },
    { value: { a: { b: '{{c}}' } }, want: true },
    { value: { a: 1, b: [true, null] }, want: false },
    { value: 42, want: false },
    { value: null, want: false },
  ])('returns $want for $value', ({ value, want }) => {
    expect(containsTemplate(value)).toBe(want);
  });
});

describe('Function: referencedVars', () => {
  it.each([
    { text: '/details?orderId={{orderId}}', want: ['orderId'] },
    { text: '{{vars.token}} {{ other }}', want: ['token', 'other'] },
    { text: '{{obj.k}} {{list[0]}} {{vars.a.b}}', want: ['obj', 'list', 'a'] },
    { text: '{{orderId:06}}', want: ['orderId'] },
    { text: '/o/{{orderId:raw}}', want: ['orderId'] },
    { text: '{{index}} {{seq:06}} {{run.id}} {{now}} {{now.ms}} {{payload}} {{payload.type}}', want: [] },
    { text: 'no templates', want: [] },
  ])('lists the captured names in $text', ({ text, want }) => {
    expect(referencedVars(text)).toEqual(want);
  });
});

describe('Function: compileUrlPath', () => {
  const attack = '../../admin?role=admin&x=';
  const at = (vars: Record<string, unknown>): TemplateContext => ({ ...ctx, vars });

  it('percent-encodes each value, so a captured value can change neither the path nor the query', () => {
    // Act
    const path = compileUrlPath('/orders/{{v}}/items?q={{v}}&n={{seq}}')(at({ v: attack }));

    // Assess
    expect(path).toBe('/orders/..%2F..%2Fadmin%3Frole%3Dadmin%26x%3D/items?q=..%2F..%2Fadmin%3Frole%3Dadmin%26x%3D&n=42');
    const url = new URL(path, 'http://x');
    expect(url.pathname.split('/')).toEqual(['', 'orders', '..%2F..%2Fadmin%3Frole%3Dadmin%26x%3D', 'items']);
    expect([...url.searchParams]).toEqual([['q', attack], ['n', '42']]);
  });

  it('keeps the literal text as written and leaves unreserved values alone', () => {
    expect(compileUrlPath('/a b/{{payload.orderNumber}}?x=1&y=%41')(ctx)).toBe('/a b/ORD-1?x=1&y=%41');
  });

  it('inserts a :raw value as it is', () => {
    expect(compileUrlPath('/next/{{v:raw}}')(at({ v: 'a/b?c=d' }))).toBe('/next/a/b?c=d');
  });

  it('encodes objects as their JSON text and missing values as nothing', () => {
    expect(compileUrlPath('/{{obj}}/{{ghost}}/{{nil}}')(ctx)).toBe('/%7B%22k%22%3A%22v%22%7D//');
  });

  it('throws at compile time for an unknown format', () => {
    expect(() => compileUrlPath('/{{v:rw}}')).toThrow(TemplateError);
  });
});

describe('Function: encodePathValue', () => {
  it.each([
    ['abc-._~XYZ019', 'abc-._~XYZ019'],
    ['a b', 'a%20b'],
    ["!'()*", '%21%27%28%29%2A'],
    ['/?#[]@&=+$,;:%', '%2F%3F%23%5B%5D%40%26%3D%2B%24%2C%3B%3A%25'],
    ['\\host', '%5Chost'],
    ['é', '%C3%A9'],
    ['\r\nX: 1', '%0D%0AX%3A%201'],
    ['\ud800', '%EF%BF%BD'],
  ])('encodes %j as %s', (value, want) => {
    expect(encodePathValue(value)).toBe(want);
  });
});
