import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LoadfleetError } from '../../../lib/core/errors.ts';
import {
  formatIssues,
  formatPath,
  issuesFromZod,
  loadSource,
  parseSource,
  PlanValidationError,
  redact,
  resolveEnvRefs,
  validateSource,
} from '../../../lib/core/plan/source.ts';
import type { PlanIssue } from '../../../lib/core/plan/source.ts';
import { didYouMean, editDistance } from '../../../lib/core/plan/suggest.ts';

/** A toy plan schema: strict nested objects, a record, arrays, an enum, bounds, unions and a cross-field rule. */
const ToySchema = z
  .strictObject({
    name: z.string().min(1),
    simulation: z.strictObject({
      batchSize: z.int().min(1).max(100),
      activatedCount: z.int().min(0),
      mode: z.enum(['open', 'closed']),
    }),
    requests: z.record(
      z.string(),
      z.strictObject({
        method: z.enum(['GET', 'POST']),
        path: z.string().startsWith('/', 'path must start with "/"'),
        expect: z.array(z.int().min(100).max(599)).min(1).optional(),
      }),
    ),
    steps: z
      .array(z.union([z.strictObject({ request: z.string() }), z.strictObject({ wait: z.union([z.string(), z.number()]) })]))
      .optional(),
    load: z
      .discriminatedUnion('model', [
        z.strictObject({ model: z.literal('batches'), batchSize: z.int() }),
        z.strictObject({ model: z.literal('rate'), perSecond: z.number() }),
      ])
      .optional(),
  })
  .superRefine((plan, ctx) => {
    if (plan.simulation.activatedCount > plan.simulation.batchSize) {
      ctx.addIssue({ code: 'custom', path: ['simulation', 'activatedCount'], message: 'must not exceed simulation.batchSize' });
    }
  });

const VALID = `name: demo
simulation:
  batchSize: 10
  activatedCount: 5
  mode: open
requests:
  create:
    method: POST
    path: /orders
    expect: [201, 202]
`;

/** Runs `act`, which must throw a PlanValidationError, and returns the error. */
function planError(act: () => unknown): PlanValidationError {
  try {
    act();
  } catch (error) {
    if (error instanceof PlanValidationError) return error;
    throw error;
  }
  throw new Error('expected a PlanValidationError, but nothing was thrown');
}

/** The issues as `line:col path message`, compact enough to assert exactly. */
function brief(issues: readonly PlanIssue[]): string[] {
  return issues.map((issue) => `${issue.line}:${issue.col} ${issue.path} ${issue.message}`.replace(/  +/, ' '));
}

function validate(text: string, file = 'plan.yaml'): unknown {
  return validateSource(parseSource(text, file), ToySchema);
}

describe('Function: parseSource', () => {
  it('parses YAML into plain data and locates values, keys and missing paths', () => {
    // Act
    const source = parseSource(VALID, 'plan.yaml');

    // Assess
    expect(source.file).toBe('plan.yaml');
    expect(source.data).toEqual({
      name: 'demo',
      simulation: { batchSize: 10, activatedCount: 5, mode: 'open' },
      requests: { create: { method: 'POST', path: '/orders', expect: [201, 202] } },
    });
    expect(source.locate(['simulation', 'batchSize'])).toEqual({ line: 3, col: 14 });
    expect(source.locate(['simulation', 'batchSize'], 'key')).toEqual({ line: 3, col: 3 });
    expect(source.locate(['requests', 'create', 'expect', 1])).toEqual({ line: 10, col: 19 });
    expect(source.locate(['requests', 'create', 'nope', 'deeper'])).toEqual({ line: 8, col: 5 });
    expect(source.locate([])).toEqual({ line: 1, col: 1 });
  });

  it('reads JSON, with positions in the JSON text', () => {
    // Prepare
    const json = '{\n  "name": "demo",\n  "simulation": {\n    "batchSize": 10\n  }\n}\n';

    // Act
    const source = parseSource(json, 'plan.json');

    // Assess
    expect(source.data).toEqual({ name: 'demo', simulation: { batchSize: 10 } });
    expect(source.locate(['simulation', 'batchSize'])).toEqual({ line: 4, col: 18 });
    expect(source.locate(['simulation', 'batchSize'], 'key')).toEqual({ line: 4, col: 5 });
  });

  it('points an empty value (`key:`) at its key', () => {
    const source = parseSource('name:\nsimulation: {}\n', 'plan.yaml');
    expect(source.data).toEqual({ name: null, simulation: {} });
    expect(source.locate(['name'])).toEqual({ line: 1, col: 1 });
  });

  it('locates through aliases', () => {
    const source = parseSource('base: &b\n  batchSize: 3\ncopy: *b\n', 'plan.yaml');
    expect(source.data).toEqual({ base: { batchSize: 3 }, copy: { batchSize: 3 } });
    expect(source.locate(['copy'])).toEqual({ line: 3, col: 7 });
    expect(source.locate(['copy', 'batchSize'])).toEqual({ line: 2, col: 14 });
  });

  describe('malformed text', () => {
    it('reports an unclosed bracket with line:col, the key it belongs to and where it was opened', () => {
      // Act
      const error = planError(() => parseSource('name: demo\nexpect: [200, 201\nother: 3\n', 'plan.yaml'));

      // Assess
      expect(error).toBeInstanceOf(LoadfleetError);
      expect(error.code).toBe('PLAN_INVALID');
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]).toMatchObject({ file: 'plan.yaml', line: 3, col: 1, path: 'expect' });
      expect(error.issues[0]?.message).toContain('end with a ]');
      expect(error.issues[0]?.message).toContain('the [ opened at line 2, column 9 is not closed');
      expect(error.message).toMatch(/^plan\.yaml:3:1 {2}expect {2}Flow sequence/);
    });

    it('reports an unclosed JSON object', () => {
      const error = planError(() => parseSource('{\n  "name": "demo",\n  "expect": [200,\n', 'plan.json'));
      expect(error.issues.map((i) => `${i.line}:${i.col}`)).toContain('4:1');
      expect(error.message).toContain('must end with a }');
    });

    it('rejects tabs used as indentation', () => {
      const error = planError(() => parseSource('name: demo\nsimulation:\n\tbatchSize: 3\n', 'plan.yaml'));
      expect(brief(error.issues)).toEqual(['3:1 tabs are not allowed as indentation: indent with spaces']);
    });

    it('rejects a badly indented key', () => {
      const error = planError(() => parseSource('simulation:\n  batchSize: 1\n   mode: open\n', 'plan.yaml'));
      expect(error.issues.length).toBeGreaterThan(0);
      expect(error.issues[0]).toMatchObject({ line: 2, col: 14 });
    });

    it('rejects duplicate keys, naming the key and pointing at the second one', () => {
      const error = planError(() => parseSource('name: a\nsimulation:\n  batchSize: 1\n  batchSize: 2\n', 'plan.yaml'));
      expect(brief(error.issues)).toEqual(['4:3 simulation.batchSize duplicate key "batchSize" (keys must be unique)']);
    });

    it('rejects duplicate keys in JSON', () => {
      const error = planError(() => parseSource('{"name": "a", "name": "b"}', 'plan.json'));
      expect(brief(error.issues)).toEqual(['1:15 name duplicate key "name" (keys must be unique)']);
    });

    it('rejects an empty plan', () => {
      for (const text of ['', '   \n', '# only a comment\n', '---\n']) {
        const error = planError(() => parseSource(text, 'plan.yaml'));
        expect(error.message).toBe('plan.yaml:1:1  plan is empty');
      }
    });

    it('rejects several documents and unknown tags', () => {
      expect(planError(() => parseSource('a: 1\n---\nb: 2\n', 'p.yaml')).issues[0]).toMatchObject({ line: 2, col: 1 });
      expect(brief(planError(() => parseSource('a: !secret 1\n', 'p.yaml')).issues)).toEqual(['1:4 a Unresolved tag: !secret']);
    });
  });
});

describe('Function: validateSource', () => {
  it('returns the parsed value of a valid plan', () => {
    expect(validate(VALID)).toEqual({
      name: 'demo',
      simulation: { batchSize: 10, activatedCount: 5, mode: 'open' },
      requests: { create: { method: 'POST', path: '/orders', expect: [201, 202] } },
    });
  });

  it('reports a wrong type with the value found', () => {
    const error = planError(() => validate(VALID.replace('batchSize: 10', 'batchSize: abc')));
    expect(brief(error.issues)).toEqual(['3:14 simulation.batchSize expected number, got string "abc"']);
    expect(error.message).toBe('plan.yaml:3:14  simulation.batchSize  expected number, got string "abc"');
  });

  it('says integer for a fractional number, and names null', () => {
    const error = planError(() => validate(VALID.replace('batchSize: 10', 'batchSize: 2.5').replace('name: demo', 'name:')));
    expect(brief(error.issues)).toEqual(['1:1 name expected string, got null', '3:14 simulation.batchSize expected integer, got number 2.5']);
  });

  it('points a missing key at the map that should hold it and names the key', () => {
    const error = planError(() => validate(VALID.replace('  activatedCount: 5\n', '')));
    expect(brief(error.issues)).toEqual(['3:3 simulation.activatedCount missing required key "activatedCount"']);
  });

  it('points a missing top-level key at the document', () => {
    const error = planError(() => validate(VALID.replace('name: demo\n', '')));
    expect(brief(error.issues)).toEqual(['1:1 name missing required key "name"']);
  });

  it('points an unknown key at the key itself, with a suggestion', () => {
    const error = planError(() => validate(VALID.replace('  mode: open\n', '  mode: open\n  batchsize: 3\n')));
    expect(brief(error.issues)).toEqual(['6:3 simulation.batchsize unknown key "batchsize" (did you mean "batchSize"?)']);
  });

  it('reports an unknown key without a suggestion when nothing is close', () => {
    const error = planError(() => validate(`${VALID}colour: blue\n`));
    expect(brief(error.issues)).toEqual(['11:1 colour unknown key "colour"']);
  });

  it('lists the allowed values of an enum and suggests the closest', () => {
    const error = planError(() => validate(VALID.replace('mode: open', 'mode: opne').replace('method: POST', 'method: PUT')));
    expect(brief(error.issues)).toEqual([
      '5:9 simulation.mode expected one of "open", "closed", got string "opne" (did you mean "open"?)',
      '8:13 requests.create.method expected one of "GET", "POST", got string "PUT"',
    ]);
  });

  it('words bounds and keeps the messages the schema wrote', () => {
    const error = planError(() =>
      validate(VALID.replace('batchSize: 10', 'batchSize: 1000').replace('path: /orders', 'path: orders').replace('[201, 202]', '[]')),
    );
    expect(brief(error.issues)).toEqual([
      '3:14 simulation.batchSize must be <= 100, got number 1000',
      '9:11 requests.create.path path must start with "/"',
      '10:13 requests.create.expect must not be empty',
    ]);
  });

  it('reports a custom superRefine issue at its path', () => {
    const error = planError(() => validate(VALID.replace('activatedCount: 5', 'activatedCount: 50')));
    expect(brief(error.issues)).toEqual(['4:19 simulation.activatedCount must not exceed simulation.batchSize']);
  });

  it('reports every problem at once, sorted by line', () => {
    // Prepare
    const text = `steps:
  - wait: true
name: 7
simulation:
  batchsize: 10
  activatedCount: x
  mode: open
requests:
  create:
    method: GET
    path: /orders
    expect: [200, "ok", 700]
`;

    // Act
    const error = planError(() => validate(text));

    // Assess
    expect(brief(error.issues)).toEqual([
      '2:11 steps[0].wait expected string or number, got boolean true',
      '3:7 name expected string, got number 7',
      '5:3 simulation.batchSize missing required key "batchSize"',
      '5:3 simulation.batchsize unknown key "batchsize" (did you mean "batchSize"?)',
      '6:19 simulation.activatedCount expected number, got string "x"',
      '12:19 requests.create.expect[1] expected number, got string "ok"',
      '12:25 requests.create.expect[2] must be <= 599, got number 700',
    ]);
    expect(error.message.split('\n')).toHaveLength(7);
  });

  it('positions issues in JSON input', () => {
    const json = JSON.stringify({ name: 'demo', simulation: { batchSize: 'ten', activatedCount: 1, mode: 'open' }, requests: {} }, null, 2);
    const error = planError(() => validate(json, 'plan.json'));
    expect(error.message).toBe('plan.json:4:18  simulation.batchSize  expected number, got string "ten"');
  });

  describe('unions', () => {
    const withSteps = (steps: string): string => `${VALID}steps:\n${steps}`;

    it('reports the branch that was meant, not "invalid input"', () => {
      const error = planError(() => validate(withSteps('  - reqest: create\n')));
      expect(brief(error.issues)).toEqual(['12:5 steps[0].reqest unknown key "reqest" (did you mean "request"?)']);
    });

    it('reports the closest branch when one matches better', () => {
      const error = planError(() => validate(withSteps('  - request: create\n    timeout: 3\n')));
      expect(brief(error.issues)).toEqual(['13:5 steps[0].timeout unknown key "timeout"']);
    });

    it('lists the forms when an entry fits none', () => {
      const error = planError(() => validate(withSteps('  - {}\n')));
      expect(brief(error.issues)).toEqual(['12:5 steps[0] does not match any allowed form: it needs "request" or "wait"']);
    });

    it('reports a bad discriminator with the allowed values', () => {
      const error = planError(() => validate(`${VALID}load:\n  model: batch\n`));
      expect(brief(error.issues)).toEqual(['12:10 load.model expected one of "batches", "rate", got string "batch" (did you mean "batches"?)']);
    });

    it('reports a missing discriminator', () => {
      const error = planError(() => validate(`${VALID}load:\n  batchSize: 3\n`));
      expect(brief(error.issues)).toEqual(['12:3 load.model missing required key "model" (one of "batches", "rate")']);
    });

    it('reports issues inside the selected discriminated branch', () => {
      const error = planError(() => validate(`${VALID}load:\n  model: rate\n  perSecond: fast\n`));
      expect(brief(error.issues)).toEqual(['13:14 load.perSecond expected number, got string "fast"']);
    });
  });
});

describe('Function: issuesFromZod', () => {
  it('works on an error from a plain safeParse, without suggestions', () => {
    // Prepare
    const source = parseSource('a: 1\nb: x\n', 'p.yaml');
    const result = z.strictObject({ a: z.number() }).safeParse(source.data);

    // Act
    const issues = result.success ? [] : issuesFromZod(result.error, source);

    // Assess
    expect(brief(issues)).toEqual(['2:1 b unknown key "b"']);
  });
});

describe('Function: resolveEnvRefs', () => {
  const text = `name: \${env:NAME}
target:
  url: https://\${env:HOST:-localhost}:\${env:PORT:-8080}/api
  token: Bearer \${env:TOKEN}
  literal: $\${env:TOKEN}
  count: 3
`;

  it('substitutes references, defaults and several per string, and returns the secrets', () => {
    // Prepare
    const source = parseSource(text, 'plan.yaml');
    const before = structuredClone(source.data);

    // Act
    const { data, secrets } = resolveEnvRefs(source.data, { NAME: 'demo', TOKEN: 's3cr3t-token', PORT: '' }, source);

    // Assess
    expect(data).toEqual({
      name: 'demo',
      target: { url: 'https://localhost:8080/api', token: 'Bearer s3cr3t-token', literal: '${env:TOKEN}', count: 3 },
    });
    expect(secrets).toEqual(['demo', 's3cr3t-token']);
    expect(source.data).toEqual(before);
  });

  it('reports every missing variable at its value', () => {
    const source = parseSource(text, 'plan.yaml');
    const error = planError(() => resolveEnvRefs(source.data, {}, source));
    expect(brief(error.issues)).toEqual(['1:7 name environment variable NAME is not set', '4:10 target.token environment variable TOKEN is not set']);
    expect(error.message).toContain('plan.yaml:4:10  target.token  environment variable TOKEN is not set');
  });

  it('reports malformed and unterminated references', () => {
    const source = parseSource('a: ${env:bad-name}\nb: [x, "${env:OPEN"]\n', 'plan.yaml');
    const error = planError(() => resolveEnvRefs(source.data, {}, source));
    expect(brief(error.issues)).toEqual([
      '1:4 a malformed environment reference "${env:bad-name}": use ${env:NAME} or ${env:NAME:-default}',
      '2:8 b[1] unterminated environment reference "${env:OPEN": close it with "}"',
    ]);
  });
});

describe('Function: loadSource', () => {
  it('parses, substitutes and validates, returning the plan and secrets', () => {
    const { plan, secrets } = loadSource(VALID.replace('/orders', '/orders?key=${env:KEY}'), 'plan.yaml', ToySchema, { KEY: 'abcd1234' });
    expect(plan.requests.create?.path).toBe('/orders?key=abcd1234');
    expect(secrets).toEqual(['abcd1234']);
  });

  it('reports missing variables and schema issues together, without repeating a value', () => {
    const text = VALID.replace('name: demo', 'name: ${env:NAME}').replace('mode: open', 'mode: shut');
    const error = planError(() => loadSource(text, 'plan.yaml', ToySchema, {}));
    expect(brief(error.issues)).toEqual([
      '1:7 name environment variable NAME is not set',
      '5:9 simulation.mode expected one of "open", "closed", got string "shut"',
    ]);
  });

  it('quotes values as written, so a resolved secret never reaches a message', () => {
    const text = VALID.replace('batchSize: 10', 'batchSize: ${env:SIZE}');
    const error = planError(() => loadSource(text, 'plan.yaml', ToySchema, { SIZE: 'hunter22' }));
    expect(error.message).toBe('plan.yaml:3:14  simulation.batchSize  expected number, got string "${env:SIZE}"');
  });
});

describe('Function: redact', () => {
  it('hides each secret of four characters or more, longest first', () => {
    expect(redact('token=s3cr3t-token user=bob pin=123 s3cr3t', ['s3cr3t', 's3cr3t-token', 'bob', '123', ''])).toBe(
      'token=*** user=bob pin=123 ***',
    );
  });

  it('leaves text without secrets alone', () => {
    expect(redact('nothing here', [])).toBe('nothing here');
  });
});

describe('Function: formatIssues', () => {
  it('prints file:line:col, path and message, leaving out an empty path', () => {
    expect(
      formatIssues([
        { file: 'p.yaml', line: 1, col: 1, path: '', message: 'plan is empty' },
        { file: 'p.yaml', line: 2, col: 3, path: 'a.b[0]', message: 'bad' },
      ]),
    ).toBe('p.yaml:1:1  plan is empty\np.yaml:2:3  a.b[0]  bad');
  });

  it('formats paths with dots, indexes and quoted odd keys', () => {
    expect(formatPath(['requests', 'create', 'expect', 0])).toBe('requests.create.expect[0]');
    expect(formatPath(['headers', 'x api key', 'v'])).toBe('headers["x api key"].v');
    expect(formatPath([])).toBe('');
  });
});

describe('Function: didYouMean', () => {
  it('suggests close keys only', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('opne', 'open')).toBe(1);
    expect(didYouMean('batch', ['batches', 'rate'])).toBe('batches');
    expect(didYouMean('ab', ['id'])).toBeUndefined();
    expect(didYouMean('batchsize', ['batchSize', 'mode'])).toBe('batchSize');
    expect(didYouMean('moed', ['batchSize', 'mode'])).toBe('mode');
    expect(didYouMean('colour', ['batchSize', 'mode'])).toBeUndefined();
  });
});
