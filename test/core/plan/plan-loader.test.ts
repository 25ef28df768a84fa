import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadPlan } from '../../../lib/core/plan/plan-loader.ts';
import { parseSource } from '../../../lib/core/plan/source.ts';
import { PRESETS, type Preset } from '../../../lib/core/presets/index.ts';
import { brief, issuesOf } from '../../helpers/plan-issues.ts';

/** The seed's config.yaml (seed 002, section 5.1), with `kind` added and the base URL on loopback. */
const SEED_CONFIG = `kind: day-in-life
simulation:
  totalOrders: 200
  batchSize: 20
  parallelBatches: 5
  activatedCount: 170

payload:
  location: "US-EAST-1"
  pocOrder: "POC-2024-001"
  orderNumberPrefix: "ORD-2024-"
  customFields:
    priority: "normal"
    source: "simulator"

intervals:
  betweenCreates: 2s
  afterCreateBeforeGet: 5s
  betweenGetPolls: 3s
  beforeActivate: 2s
  beforeCancel: 30s
  beforeEnd: 60s
  
api:
  baseUrl: "http://127.0.0.1:8080"
  timeout: 30s
  retryMax: 3
  retryBackoff: 2s

cleanup:
  cancelTimeout: 300s
  endTimeout: 600s
  checkInterval: 10s
`;

describe('Function: loadPlan', () => {
  describe('kind: day-in-life', () => {
    it('loads the seed config and compiles it into the general plan', () => {
      // Act
      const { plan, kind, secrets } = loadPlan(SEED_CONFIG, 'config.yaml', {});

      // Assess
      expect(kind).toBe('day-in-life');
      expect(secrets).toEqual([]);
      expect(plan.kind).toBe('custom');
      expect(plan.name).toBe('day-in-life');
      expect(plan.target).toMatchObject({
        baseUrl: 'http://127.0.0.1:8080', timeout: 30_000, maxConnections: 100,
        retry: { max: 3, backoff: 2000, factor: 2, maxBackoff: 60_000, jitter: 0.5 },
        circuitBreaker: { failureThreshold: 20, cooldown: 5000 },
      });
      expect(plan.payloads).toEqual({
        count: 200,
        key: 'orderNumber',
        fields: {
          orderNumber: 'ORD-2024-{{seq:06}}', location: 'US-EAST-1', pocOrder: 'POC-2024-001',
          type: { exactly: { activate: 170, accepted: 30 } },
          customFields: { literal: { priority: 'normal', source: 'simulator' } },
        },
      });
      expect(Object.keys(plan.requests)).toEqual(['create', 'details', 'activate', 'cancel', 'end']);
      expect(plan.requests['create']).toMatchObject({ method: 'POST', path: '/operation/payload', expect: [202], capture: { orderId: '$.orderId' }, state: 'created' });
      expect(plan.requests['details']).toMatchObject({ method: 'GET', path: '/details?orderId={{orderId}}' });
      expect(plan.load).toEqual({ model: 'batches', batchSize: 20, parallel: 5, groupBy: 'payload.type', itemInterval: 2000, itemJitter: 0.1 });
      expect(plan.entity).toEqual({ name: 'order', terminal: ['cancelled', 'ended'] });
      expect(plan.expect).toEqual([
        { lifecycles: 'nonTerminal', equals: 0 },
        { state: 'activated', equals: 170 },
        { state: 'ended', equals: 170 },
        { state: 'cancelled', equals: 30 },
      ]);
    });

    it('compiles the lifecycle: create, arm cancel, wait, poll, then activate and arm end for the activate type', () => {
      // Act
      const { plan } = loadPlan(SEED_CONFIG, 'config.yaml', {});

      // Assess
      expect(plan.lifecycle).toEqual([
        { request: 'create' },
        {
          cleanup: [
            { wait: { duration: 30_000, jitter: 0.1 } },
            { poll: { request: 'cancel', until: { path: '$.status', equals: 'Cancelled' }, every: 10_000, backoff: 1, jitter: 0, maxAttempts: 30, timeout: 300_000 } },
          ],
        },
        { wait: { duration: 5000, jitter: 0.1 } },
        { poll: { request: 'details', until: { path: '$.status', equals: 'Accepted' }, every: 3000, backoff: 1.5, maxEvery: 30_000, jitter: 0.1, maxAttempts: 10 } },
        {
          choose: {
            by: 'payload.type',
            branches: {
              activate: [
                { wait: { duration: 2000, jitter: 0.1 } },
                { request: 'activate' },
                {
                  cleanup: [
                    { wait: { duration: 60_000, jitter: 0.1 } },
                    { poll: { request: 'end', until: { path: '$.status', equals: 'Ended' }, every: 10_000, backoff: 1, jitter: 0, maxAttempts: 60, timeout: 600_000 } },
                  ],
                },
              ],
              accepted: [],
            },
          },
        },
      ]);
    });

    it('reports activatedCount > totalOrders at its line:col and key path', () => {
      // Prepare
      const text = SEED_CONFIG.replace('activatedCount: 170', 'activatedCount: 250');

      // Act
      const issues = issuesOf(() => loadPlan(text, 'config.yaml', {}));

      // Assess
      expect(brief(issues)).toEqual(['6:19 simulation.activatedCount activatedCount (250) must not exceed totalOrders (200)']);
      expect(issues[0]?.file).toBe('config.yaml');
    });

    it('reports a bad duration with its path and the accepted units', () => {
      // Prepare
      const text = SEED_CONFIG.replace('afterCreateBeforeGet: 5s', 'afterCreateBeforeGet: 5x');

      // Act
      const issues = issuesOf(() => loadPlan(text, 'config.yaml', {}));

      // Assess
      expect(brief(issues)).toEqual(['18:25 intervals.afterCreateBeforeGet invalid duration "5x": use a number with ms, s, m or h, e.g. "500ms", "2s", "5m"']);
    });

    it('reports a bad URL with an example of a good one', () => {
      // Prepare
      const text = SEED_CONFIG.replace('"http://127.0.0.1:8080"', '"ftp://example.com"');

      // Act
      const issues = issuesOf(() => loadPlan(text, 'config.yaml', {}));

      // Assess
      expect(brief(issues)).toEqual(['25:12 api.baseUrl api.baseUrl must be an http(s) URL, e.g. http://127.0.0.1:8080']);
    });

    it('refuses a templated api.baseUrl at its position', () => {
      // Prepare
      const text = SEED_CONFIG.replace('"http://127.0.0.1:8080"', '"http://{{payload.host}}@127.0.0.1:8080"');

      // Act
      const issues = issuesOf(() => loadPlan(text, 'config.yaml', {}));

      // Assess
      expect(brief(issues)).toEqual(['25:12 api.baseUrl api.baseUrl cannot hold a template ({{ }}): the origin of every request is fixed before the run starts. Put values in a request\'s path instead']);
    });

    it('reports an unknown key at the key, with a suggestion', () => {
      // Prepare
      const text = SEED_CONFIG.replace('  retryMax: 3\n', '  retryMaxx: 3\n');

      // Act
      const issues = issuesOf(() => loadPlan(text, 'config.yaml', {}));

      // Assess
      expect(brief(issues)).toEqual(['27:3 api.retryMaxx unknown key "retryMaxx" (did you mean "retryMax"?)']);
    });

    it.each([
      { from: '  retryBackoff: 2s\n', to: '  retryBackoff: 2s\n  maxConnections: 20000\n', want: '29:19 api.maxConnections at most 10000, got 20000 (sockets to the target, a file descriptor each; see README: Ceilings)' },
      { from: '  beforeEnd: 60s\n', to: '  beforeEnd: 60s\n  pollMaxAttempts: 20000\n', want: '23:20 intervals.pollMaxAttempts must be <= 10000, got number 20000' },
      { from: '  checkInterval: 10s', to: '  checkInterval: 10ms', want: '33:18 cleanup.checkInterval checkInterval 10ms makes more than 10000 checks within 10m 0s; use at least 60ms' },
    ])('reports a value the general plan cannot run ($want) at its position, not as a crash', ({ from, to, want }) => {
      // Act
      const issues = issuesOf(() => loadPlan(SEED_CONFIG.replace(from, to), 'config.yaml', {}));

      // Assess
      expect(brief(issues)).toEqual([want]);
    });

    it('reports a compiled preset plan that breaks a general limit as a PlanValidationError with the compiled path', () => {
      // Prepare: a preset whose compiled plan is invalid whatever its config says
      const presets = PRESETS as Map<string, Preset>;
      const dayInLife = PRESETS.get('day-in-life')!;
      presets.set('broken', {
        kind: 'broken', description: 'test only', schema: z.object({ kind: z.literal('broken') }),
        compile: () => ({ ...dayInLife.compile(dayInLife.schema.parse(parseSource(SEED_CONFIG, 'c.yaml').data)), load: { model: 'batches', batchSize: 0, parallel: 1, itemInterval: 0, itemJitter: 0 } }),
      });

      try {
        // Act
        const issues = issuesOf(() => loadPlan('kind: broken\n', 'plan.yaml', {}));

        // Assess
        expect(brief(issues)).toEqual(['1:1 load.batchSize the compiled broken plan is invalid: Too small: expected number to be >=1']);
      } finally {
        presets.delete('broken');
      }
    });

    it('reports every problem at once, sorted by line', () => {
      // Prepare
      const text = SEED_CONFIG.replace('activatedCount: 170', 'activatedCount: 250').replace('beforeEnd: 60s', 'beforeEnd: soon');

      // Act
      const issues = issuesOf(() => loadPlan(text, 'config.yaml', {}));

      // Assess
      expect(issues.map((i) => i.path)).toEqual(['simulation.activatedCount', 'intervals.beforeEnd']);
    });

    it('substitutes ${env:TOKEN} and returns the value as a secret to redact', () => {
      // Prepare
      const text = SEED_CONFIG.replace('  retryBackoff: 2s\n', '  retryBackoff: 2s\n  headers:\n    authorization: "Bearer ${env:TOKEN}"\n');

      // Act
      const { plan, secrets } = loadPlan(text, 'config.yaml', { TOKEN: 's3cr3t-value' });

      // Assess
      expect(plan.target.headers).toEqual({ authorization: 'Bearer s3cr3t-value' });
      expect(secrets).toEqual(['s3cr3t-value']);
    });

    it('reports a missing environment variable at the value that uses it', () => {
      // Prepare
      const text = SEED_CONFIG.replace('  retryBackoff: 2s\n', '  retryBackoff: 2s\n  headers:\n    authorization: "Bearer ${env:TOKEN}"\n');

      // Act
      const issues = issuesOf(() => loadPlan(text, 'config.yaml', {}));

      // Assess
      expect(brief(issues)).toEqual(['30:20 api.headers.authorization environment variable TOKEN is not set']);
    });
  });

  describe('kind: custom', () => {
    const CUSTOM = `kind: custom
name: orders
seed: 42
target:
  baseUrl: http://127.0.0.1:8080
  headers: { authorization: "Bearer \${env:TARGET_TOKEN}" }
payloads:
  count: 10
  fields:
    type: { exactly: { a: 7, b: 3 } }
requests:
  create: { method: POST, path: /orders, body: "{{payload}}", expect: [202], capture: { orderId: $.orderId } }
  details: { path: "/details?orderId={{orderId}}" }
lifecycle:
  - request: create
  - poll: { request: details, until: { path: $.status, equals: Accepted }, every: 1s }
load: { model: batches, batchSize: 5, parallel: 2 }
expect:
  - { endpoint: create, p95: { below: 500ms } }
  - { errorRate: { below: 1% } }
`;

    it('loads a valid plan with defaults and the secret', () => {
      // Act
      const { plan, kind, secrets } = loadPlan(CUSTOM, 'plan.yaml', { TARGET_TOKEN: 'tok-123' });

      // Assess
      expect(kind).toBe('custom');
      expect(secrets).toEqual(['tok-123']);
      expect(plan.target.headers).toEqual({ authorization: 'Bearer tok-123' });
      expect(plan.target.retry).toEqual({ max: 3, backoff: 1000, factor: 2, maxBackoff: 30_000, jitter: 0.5 });
      expect(plan.lifecycle[1]).toEqual({ poll: { request: 'details', until: { path: '$.status', equals: 'Accepted' }, every: 1000, backoff: 1, jitter: 0, maxAttempts: 30 } });
      expect(plan.expect).toEqual([{ endpoint: 'create', p95: { below: 500 } }, { errorRate: { below: 0.01 } }]);
      expect(plan.load).toEqual({ model: 'batches', batchSize: 5, parallel: 2, itemInterval: 0, itemJitter: 0 });
    });

    it('reports each cross-reference problem with its path and position', () => {
      // Prepare
      const text = `kind: custom
name: orders
target: { baseUrl: "http://127.0.0.1:8080" }
payloads:
  count: 10
  fields:
    type: { exactly: { a: 3, b: 4 } }
requests:
  create: { method: POST, path: /orders, capture: { orderId: $.id } }
  details: { path: "/details?id={{orderId}}&x={{ghost}}" }
lifecycle:
  - request: create
  - request: creat
  - poll: { request: detail, until: { path: $.status, equals: ok }, every: 1s }
  - choose:
      weights: { a: 1, b: 2 }
      branches:
        a: [ { request: details } ]
load: { model: batches, batchSize: 5, parallel: 2 }
`;

      // Act
      const issues = issuesOf(() => loadPlan(text, 'plan.yaml', {}));

      // Assess
      expect(brief(issues)).toEqual([
        '7:22 payloads.fields.type.exactly exact counts add up to 7 but payloads.count is 10',
        '13:14 lifecycle[1].request unknown request "creat"; known requests: create, details',
        '14:22 lifecycle[2].poll.request unknown request "detail"; known requests: create, details',
        '16:27 lifecycle[3].choose.weights.b weight "b" has no branch; branches: a',
        '18:25 lifecycle[3].choose.branches.a[0].request request "details" uses {{ghost}} before any step captures it (no step captures it)',
      ]);
    });

    it.each([
      ['http://{{h}}@127.0.0.1:8080', 'baseUrl cannot hold a template ({{ }}): the origin of every request is fixed before the run starts. Put values in a request\'s path instead'],
      ['http://127.0.0.1:{{port}}', 'baseUrl cannot hold a template ({{ }}): the origin of every request is fixed before the run starts. Put values in a request\'s path instead'],
      ['http://127.0.0.1:8080/{{tenant}}', 'baseUrl cannot hold a template ({{ }}): the origin of every request is fixed before the run starts. Put values in a request\'s path instead'],
      ['http://127.0.0.1:8080/api?key=1', 'baseUrl cannot have a query or a fragment: put the query in each request\'s path'],
    ])('refuses target.baseUrl %s at its position, naming the key', (baseUrl, message) => {
      // Prepare
      const text = CUSTOM.replace('baseUrl: http://127.0.0.1:8080', `baseUrl: "${baseUrl}"`);

      // Act
      const issues = issuesOf(() => loadPlan(text, 'plan.yaml', { TARGET_TOKEN: 't' }));

      // Assess
      expect(brief(issues)).toEqual([`5:12 target.baseUrl ${message}`]);
    });

    it('refuses a template that comes into baseUrl from the environment', () => {
      // Act
      const issues = issuesOf(() => loadPlan(CUSTOM.replace('baseUrl: http://127.0.0.1:8080', 'baseUrl: "${env:BASE}"'), 'plan.yaml', { TARGET_TOKEN: 't', BASE: 'http://{{h}}@127.0.0.1' }));

      // Assess
      expect(brief(issues)).toEqual(['5:12 target.baseUrl baseUrl cannot hold a template ({{ }}): the origin of every request is fixed before the run starts. Put values in a request\'s path instead']);
    });

    it('accepts {{x:raw}} in a path', () => {
      const { plan } = loadPlan(CUSTOM.replace('/details?orderId={{orderId}}', '/details/{{orderId:raw}}'), 'plan.yaml', { TARGET_TOKEN: 't' });
      expect(plan.requests.details?.path).toBe('/details/{{orderId:raw}}');
    });

    it('reports a schema problem (bad duration, unknown key) before cross-references', () => {
      // Prepare
      const text = CUSTOM.replace('every: 1s', 'every: 5x').replace('seed: 42', 'sede: 42');

      // Act
      const issues = issuesOf(() => loadPlan(text, 'plan.yaml', { TARGET_TOKEN: 't' }));

      // Assess
      expect(brief(issues)).toEqual([
        '3:1 sede unknown key "sede" (did you mean "seed"?)',
        '16:83 lifecycle[1].poll.every invalid duration "5x": use a number with ms, s, m or h, e.g. "500ms", "2s", "5m"',
      ]);
    });
  });

  describe('malformed input', () => {
    it('lists the known kinds for an unknown kind', () => {
      // Act
      const issues = issuesOf(() => loadPlan('kind: day-in-the-life\n', 'plan.yaml', {}));

      // Assess
      expect(brief(issues)).toEqual([`1:7 kind unknown kind "day-in-the-life"; use custom or one of: ${[...PRESETS.keys()].join(', ')}`]);
      expect([...PRESETS.keys()][0]).toBe('day-in-life');
    });

    it('asks for a kind when there is none', () => {
      // Act
      const issues = issuesOf(() => loadPlan('name: x\n', 'plan.yaml', {}));

      // Assess
      expect(brief(issues)).toEqual(['1:1 kind every plan starts with "kind": custom, or a preset such as day-in-life']);
    });

    it('reports malformed YAML with the position and the unclosed bracket', () => {
      // Act
      const issues = issuesOf(() => loadPlan('kind: custom\nname: [a\nseed: 1\n', 'plan.yaml', {}));

      // Assess
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ file: 'plan.yaml', line: 3, col: 1, path: 'name' });
      expect(issues[0]?.message).toContain('the [ opened at line 2, column 7 is not closed');
    });
  });
});
