import { Parser } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../../lib/core/plan/plan-loader.ts';
import { parseSource } from '../../../lib/core/plan/source.ts';
import { MAX_ALIAS_EXPANSION, MAX_NESTING, tooDeep } from '../../../lib/core/plan/yaml-limits.ts';
import { compilePlan } from '../../../lib/core/engine/compile-plan.ts';
import { brief, issuesOf } from '../../helpers/plan-issues.ts';

/** A valid custom plan; `extra` lines go at the end. */
const plan = (lifecycle: string, extra = ''): string => `kind: custom
name: shapes
target: { baseUrl: "http://127.0.0.1:8080" }
requests:
  a: { method: GET, path: /a }
lifecycle: ${lifecycle}
load: { model: burst, count: 1 }
${extra}`;

describe('Plan YAML limits (yaml-limits.ts, through parseSource and loadPlan)', () => {
  describe('alias cycles', () => {
    it('refuses a lifecycle that aliases itself at the alias, naming the key (was: RangeError, exit 1)', () => {
      // Prepare: the issue's reproduction
      const text = plan('&loop [ {request: a}, { choose: { chance: 0.5, then: *loop } } ]');

      // Act
      const issues = issuesOf(() => loadPlan(text, 'plan.yaml', {}));

      // Assess: line 6, the column of `*loop`
      const col = text.split('\n')[5]!.indexOf('*loop') + 1;
      expect(brief(issues)).toEqual([`6:${col} lifecycle[1].choose.then alias *loop refers to the value that contains it: that value would never end`]);
    });

    it('refuses a map that holds itself, in a value or in a key', () => {
      expect(brief(issuesOf(() => parseSource('a: &m\n  b: { c: *m }\n', 'p.yaml')))).toEqual(['2:11 a.b.c alias *m refers to the value that contains it: that value would never end']);
      expect(brief(issuesOf(() => parseSource('a: &m { ? *m : 1 }\n', 'p.yaml')))).toEqual(['1:11 a["?"] alias *m refers to the value that contains it: that value would never end']);
    });

    it('resolves a re-used anchor name as YAML does: to the node that carries it, even around the alias', () => {
      // `&x [*x]`: the anchor is set on the list before its items are read, so *x is the list itself
      expect(brief(issuesOf(() => parseSource('a: &x [1]\nb: &x [*x]\n', 'p.yaml')))).toEqual(['2:8 b[0] alias *x refers to the value that contains it: that value would never end']);
      // the earlier node with the name, used after it: fine
      expect(parseSource('a: &x [1]\nb: [*x, *x]\n', 'p.yaml').data).toEqual({ a: [1], b: [[1], [1]] });
    });

    it('keeps ordinary aliases working', () => {
      const { plan: loaded } = loadPlan(plan('[ { request: a } ]', 'limits: &caps { maxRequests: 9 }\n'), 'plan.yaml', {});
      expect(loaded.limits.maxRequests).toBe(9);
      const shared = parseSource('h: &h { x-a: "1", x-b: "2" }\nr1: { headers: *h }\nr2: { headers: *h }\n', 'p.yaml');
      expect(shared.data).toEqual({ h: { 'x-a': '1', 'x-b': '2' }, r1: { headers: { 'x-a': '1', 'x-b': '2' } }, r2: { headers: { 'x-a': '1', 'x-b': '2' } } });
    });
  });

  describe('alias bombs', () => {
    it('stops a "billion laughs" at the alias that crosses the expansion limit, before expanding it', () => {
      // Prepare: 30 levels of ten aliases each would expand to 10^30 values: only a check that never
      // expands can answer at all
      const lines = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
      for (let i = 1; i < 30; i++) lines.push(`l${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(', ')}]`);

      // Act
      const issues = issuesOf(() => parseSource(`${lines.join('\n')}\n`, 'bomb.yaml'));

      // Assess: l1 adds 10 x 11 values, l2 10 x 111, and the 8th alias of l3 passes 10,000 (1220 + 8 x 1111)
      expect(MAX_ALIAS_EXPANSION).toBe(10_000);
      const col = lines[3]!.split('*l2', 8).join('*l2').length + 1;
      expect(brief(issues)).toEqual([`4:${col} l3[7] with this alias (*l2), aliases add more than 10000 values to the plan: write the values out, or alias less`]);
    });

    it('accepts many aliases as long as what they add stays under the limit', () => {
      // 200 uses of one small anchor: 1,000 values added (more uses than yaml's default guard of 100 allows)
      const text = `h: &h { a: 1, b: 2 }\nall: [${Array.from({ length: 200 }, () => '*h').join(', ')}]\n`;
      const data = parseSource(text, 'p.yaml').data as { all: unknown[] };
      expect(data.all).toHaveLength(200);
    });
  });

  describe('nesting depth', () => {
    it(`refuses 100,000 nested JSON arrays at level ${MAX_NESTING + 1}, cleanly (was: "Maximum call stack size exceeded" errors)`, () => {
      // Act
      const issues = issuesOf(() => parseSource('['.repeat(100_000) + ']'.repeat(100_000), 'deep.json'));

      // Assess: the 65th bracket, at offset 64
      expect(brief(issues)).toEqual([`1:${MAX_NESTING + 1} [0][0][0][0][0][0]… nested deeper than 64 levels of maps and lists: flatten this value`]);
    });

    it('refuses deep block YAML inside a plan with the key that leads there', () => {
      // Prepare: a body nested 80 maps deep, written as indented YAML
      let body = '';
      for (let i = 0; i < 80; i++) body += `${' '.repeat(6 + 2 * i)}k${i}:\n`;
      const text = `kind: custom\nname: deep\ntarget: { baseUrl: "http://127.0.0.1:8080" }\nrequests:\n  a:\n    body:\n${body}${' '.repeat(166)}v\n`;

      // Act
      const issues = issuesOf(() => loadPlan(text, 'deep.yaml', {}));

      // Assess: the plan's map is level 1, requests' 2, a's 3, body's 4 (holding k0, line 7), so k{i}'s
      // map is level 5 + i, at line 8 + i, column 9 + 2i: k60's (level 65) is the first too deep
      expect(brief(issues)).toEqual([`68:129 requests.a.body.k0.k1.k2… nested deeper than 64 levels of maps and lists: flatten this value`]);
    });

    it('refuses an alias that makes a value too deep, at the alias', () => {
      const inner = `${'['.repeat(40)}${']'.repeat(40)}`;
      const text = `a: &a ${inner}\nb: ${'['.repeat(30)}*a${']'.repeat(30)}\n`;
      expect(brief(issuesOf(() => parseSource(text, 'p.yaml')))).toEqual(['2:34 b[0][0][0][0][0]… alias *a makes this value nested deeper than 64 levels of maps and lists: flatten this value']);
    });

    it('accepts a value exactly 64 levels deep', () => {
      const text = `${'['.repeat(MAX_NESTING)}1${']'.repeat(MAX_NESTING)}`;
      expect(tooDeep(new Parser().parse(text))).toBeUndefined();
      let data = parseSource(text, 'p.json').data;
      let levels = 0;
      while (Array.isArray(data)) {
        levels++;
        data = data[0];
      }
      expect(levels).toBe(MAX_NESTING);
      expect(tooDeep(new Parser().parse(`[${text}]`))?.offset).toBe(MAX_NESTING);
    });
  });

  it('lets a plan at both limits through every walk after the parser (env references, zod, checks, compiler)', () => {
    // Prepare: a body nested to level 64 exactly (the plan's map is 1, requests 2, a 3, body 4 to 64;
    // one more level is refused), an env reference at the bottom, and aliases adding 9,900 values
    const body = `${'{ a: '.repeat(60)}"\${env:DEEP}"${' }'.repeat(60)}`;
    const list = `[${Array.from({ length: 99 }, (_, i) => i).join(', ')}]`;
    const text = plan('[ { request: a } ]', `payloads: { count: 1, fields: { big: { literal: &big ${list} }, copies: { literal: [${Array.from({ length: 99 }, () => '*big').join(', ')}] } } }
`)
      .replace('a: { method: GET, path: /a }', `a: { method: POST, path: /a, body: { b: ${body} } }`);

    // Act
    const { plan: loaded } = loadPlan(text, 'limits.yaml', { DEEP: 'bottom' });
    const compiled = compilePlan(loaded);

    // Assess: the value at the bottom was substituted, and the plan compiles
    let value: unknown = loaded.requests['a']?.body;
    let depth = 0;
    while (typeof value === 'object' && value !== null) {
      value = Object.values(value)[0];
      depth++;
    }
    expect([depth, value]).toEqual([61, 'bottom']);
    expect(compiled.requests.has('a')).toBe(true);
  });

  it('refuses a second document in the file', () => {
    expect(brief(issuesOf(() => parseSource('a: 1\n---\nb: 2\n', 'p.yaml')))).toEqual(['2:1  a plan is one YAML document: remove this second one (after "---")']);
  });
});
