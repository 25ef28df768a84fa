import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { forbiddenHeaderChar, isHeaderName } from '../../../lib/core/plan/headers.ts';
import { forbiddenPathChar } from '../../../lib/core/plan/request-path.ts';
import { loadPlan } from '../../../lib/core/plan/plan-loader.ts';
import { hitPlan, type HitOptions } from '../../../lib/cli/hit-command.ts';
import { LoadfleetError } from '../../../lib/core/errors.ts';
import { brief, issuesOf } from '../../helpers/plan-issues.ts';

const NAME_RULE = 'a header name is letters, digits and !#$%&\'*+-.^_`|~ only (an HTTP token): no spaces, colons, CR or LF';
const VALUE_RULE = 'a header value may not hold CR, LF, NUL, other control characters (tab aside) or characters above U+00FF';

describe('Header rules (headers.ts)', () => {
  it.each(['x-api-key', 'Authorization', "a!#$%&'*+-.^_`|~9"])('accepts the token %j as a name', (name) => {
    expect(isHeaderName(name)).toBe(true);
  });

  it.each(['', 'bad header', 'x:y', 'a\r\nb', 'x\u0000', 'café', 'a"b', 'a(b)'])('refuses %j as a name', (name) => {
    expect(isHeaderName(name)).toBe(false);
  });

  it.each([
    { value: 'Bearer abc', want: undefined },
    { value: 'a\tb c', want: undefined },
    { value: 'café \u00ff', want: undefined },
    { value: 'a\r\nx: 1', want: 'CR (U+000D)' },
    { value: 'a\nb', want: 'LF (U+000A)' },
    { value: 'a\u0000', want: 'NUL (U+0000)' },
    { value: '\u007f', want: 'U+007F' },
    { value: 'x\u20ac', want: 'U+20AC' },
    { value: '\u{1F600}', want: 'U+1F600' },
  ])('names the first character HTTP refuses in $value', ({ value, want }) => {
    expect(forbiddenHeaderChar(value)).toBe(want);
  });
});

describe('Header validation in plans (loadPlan)', () => {
  it('refuses a bad name at its key and a value with CR LF at the value, in target and request headers', () => {
    // Prepare
    const text = `kind: custom
name: headers
target:
  baseUrl: http://127.0.0.1:8080
  headers:
    "bad header\\r\\nx": "1"
    x-token: "Bearer \${env:TOKEN}"
requests:
  a: { method: GET, path: /a, headers: { "x:y": v, x-ok: "a\\tb" } }
lifecycle: [ { request: a } ]
load: { model: burst, count: 1 }
`;

    // Act: the secret from the environment carries the CR LF
    const issues = issuesOf(() => loadPlan(text, 'plan.yaml', { TOKEN: 's3cr3t-value\r\nx-admin: 1' }));

    // Assess: each at file:line:col with its key, and the secret appears in no message
    expect(brief(issues)).toEqual([
      `6:5 target.headers["bad header\\r\\nx"] invalid key "bad header\\r\\nx": ${NAME_RULE}`,
      `7:14 target.headers.x-token the header value holds CR (U+000D): ${VALUE_RULE}`,
      `9:42 requests.a.headers["x:y"] invalid key "x:y": ${NAME_RULE}`,
    ]);
    expect(JSON.stringify(issues)).not.toContain('s3cr3t');
  });

  it('refuses bad headers in a preset that takes them (day-in-life api.headers, flash-sale target.headers)', () => {
    // Prepare
    const dayInLife = readFileSync('examples/day-in-life.yaml', 'utf8').replace(/^api:\n/m, 'api:\n  headers: { "x y": a, x-nul: "a\\0b" }\n');
    const flashSale = readFileSync('examples/flash-sale.yaml', 'utf8').replace(/^target:\n/m, 'target:\n  headers:\n    x-lf: "a\\nb"\n');
    const apiLine = dayInLife.split('\n').indexOf('api:') + 2;
    const targetLine = flashSale.split('\n').indexOf('target:') + 3;

    // Act
    const dil = issuesOf(() => loadPlan(dayInLife, 'dil.yaml', {}));
    const flash = issuesOf(() => loadPlan(flashSale, 'flash.yaml', {}));

    // Assess
    expect(brief(dil)).toEqual([
      `${apiLine}:14 api.headers["x y"] invalid key "x y": ${NAME_RULE}`,
      `${apiLine}:31 api.headers.x-nul the header value holds NUL (U+0000): ${VALUE_RULE}`,
    ]);
    expect(brief(flash)).toEqual([`${targetLine}:11 target.headers.x-lf the header value holds LF (U+000A): ${VALUE_RULE}`]);
  });

  it('still accepts templated and ordinary headers', () => {
    const text = `kind: custom
name: ok
target: { baseUrl: "http://127.0.0.1:8080", headers: { authorization: "Bearer {{payload.t}}", X-Trace: "a\\tb" } }
payloads: { count: 1, fields: { t: abc } }
requests: { a: { path: /a } }
lifecycle: [ { request: a } ]
load: { model: burst, count: 1 }
`;
    expect(loadPlan(text, 'ok.yaml', {}).plan.target.headers).toEqual({ authorization: 'Bearer {{payload.t}}', 'X-Trace': 'a\tb' });
  });
});

describe('Header validation of hit -H (hitPlan)', () => {
  const opts = (header: string[]): HitOptions => ({ connections: 1, duration: '1s', method: 'GET', timeout: '1s', header });
  const message = (header: string): string => {
    try {
      hitPlan('http://127.0.0.1:8080/', opts([header]));
    } catch (error) {
      if (error instanceof LoadfleetError) return `${error.code} ${error.message}`;
      throw error;
    }
    return 'accepted';
  };

  it('names the option and the header, never the value', () => {
    expect(message('bad name: v')).toBe('HIT_INVALID invalid -H header name "bad name": a header name is letters, digits and !#$%&\'*+-.^_`|~ only');
    expect(message('authorization: Bearer s3cr3t\r\nx-admin: 1')).toBe(`HIT_INVALID invalid -H authorization: the value holds CR (U+000D): ${VALUE_RULE}`);
    expect(message('x-ok: a b')).toBe('accepted');
  });
});

describe('Literal request paths (request-path.ts)', () => {
  it.each([
    { path: '/details?orderId={{orderId}}', want: undefined },
    { path: '/a%20b/~x', want: undefined },
    { path: '/a b', want: 'a space (U+0020)' },
    { path: '/a\r\nHost: evil', want: 'CR (U+000D)' },
    { path: '/a\nb', want: 'LF (U+000A)' },
    { path: '/caf\u00e9', want: 'U+00E9' },
  ])('forbiddenPathChar($path) is $want', ({ path, want }) => {
    expect(forbiddenPathChar(path)).toBe(want);
  });

  it('refuses a plan path with CR LF at its position, naming the character', () => {
    const text = 'kind: custom\nname: p\ntarget: { baseUrl: "http://127.0.0.1:8080" }\nrequests:\n  a: { path: "/a\\r\\nX-Injected: 1" }\nlifecycle: [ { request: a } ]\nload: { model: burst, count: 1 }\n';
    expect(brief(issuesOf(() => loadPlan(text, 'p.yaml', {})))).toEqual([
      '5:14 requests.a.path the path holds CR (U+000D): a path is visible ASCII only: percent-encode anything else (a space is %20, é is %C3%A9)',
    ]);
  });
});
