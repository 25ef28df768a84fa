import { readFileSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RequestExecutor } from '../../../lib/core/engine/request-executor.ts';
import { TracePropagation } from '../../../lib/core/engine/trace-headers.ts';
import { runPhases } from '../../../lib/core/load/phases.ts';
import { loadPlan } from '../../../lib/core/plan/plan-loader.ts';
import { PlanValidationError } from '../../../lib/core/plan/issues.ts';
import type { Plan } from '../../../lib/core/plan/schema.ts';
import { planUnits } from '../../../lib/core/planner.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../lib/core/ports.ts';
import { PHASED_CATEGORIES, PHASED_ENVIRONMENT, PHASED_PRODUCTS, PHASED_TASKS } from '../../../lib/core/presets/phased.ts';
import type { PhasesUnit } from '../../../lib/core/units.ts';
import { engineHarness } from '../../helpers/engine-harness.ts';
import type { FakeClock } from '../../helpers/fake-clock.ts';

/** The seed's environment table (shared/seeds/004, "Key Environment Variables"), copied as written. */
const SEED_TABLE = `
| \`LOAD_WARMUP_DURATION\` | Seconds in baseline phase before switching to intervention | \`0\` |
| \`LOAD_BASELINE_USERS\` | Number of concurrent users during baseline phase | \`10\` |
| \`LOAD_BASELINE_SPAWN_RATE\` | Users spawned per second during baseline ramp-up | \`2\` |
| \`LOAD_BASELINE_TASK_WEIGHTS\` | JSON dict of task weights for baseline phase | \`{}\` |
| \`LOAD_BASELINE_ARRIVAL_RATE\` | Request rate multiplier for baseline (scales think time inversely) | \`1.0\` |
| \`LOAD_BASELINE_THINK_TIME_MEAN\` | Mean seconds between requests (baseline) | \`5.0\` |
| \`LOAD_BASELINE_THINK_TIME_CV\` | Coefficient of variation for think time (baseline) | \`0.5\` |
| \`LOAD_INTERVENTION_USERS\` | Number of concurrent users during intervention phase | \`10\` |
| \`LOAD_INTERVENTION_SPAWN_RATE\` | Users spawned per second during intervention ramp-up | \`2\` |
| \`LOAD_INTERVENTION_TASK_WEIGHTS\` | JSON dict of task weights for intervention phase | \`{}\` |
| \`LOAD_INTERVENTION_ARRIVAL_RATE\` | Request rate multiplier for intervention | \`1.0\` |
| \`LOAD_INTERVENTION_THINK_TIME_MEAN\` | Mean seconds between requests (intervention) | \`5.0\` |
| \`LOAD_INTERVENTION_THINK_TIME_CV\` | Coefficient of variation for think time (intervention) | \`0.5\` |
| \`LOAD_BURST_ON_DURATION_MEAN\` | Mean seconds in active (ON) state | \`30.0\` |
| \`LOAD_BURST_ON_DURATION_CV\` | Coefficient of variation for ON duration | \`0.5\` |
| \`LOAD_BURST_OFF_DURATION_MEAN\` | Mean seconds in idle (OFF) state | \`60.0\` |
| \`LOAD_BURST_OFF_DURATION_CV\` | Coefficient of variation for OFF duration | \`0.5\` |
| \`LOAD_SESSION_LENGTH_MEAN\` | Mean number of requests per user session | \`20.0\` |
| \`LOAD_SESSION_LENGTH_CV\` | Coefficient of variation for session length | \`0.5\` |`;
const SEED_DEFAULTS = Object.fromEntries([...SEED_TABLE.matchAll(/^\| `(\w+)` \|.*\| `(.+)` \|$/gm)].map((m) => [m[1], JSON.parse(m[2]!) as unknown]));

const load = (text: string): Plan => loadPlan(`kind: phased\ntarget: http://127.0.0.1:8080\n${text}`, 'phased.yaml', {}).plan;
const phasesOf = (plan: Plan) => (plan.load.model === 'phases' ? plan.load : undefined);

/** Every issue of a bad config, as `line:col path message`. */
function issuesOf(text: string): string[] {
  try {
    load(text);
  } catch (error) {
    if (error instanceof PlanValidationError) return error.issues.map((i) => `${i.line}:${i.col} ${i.path} ${i.message}`);
    throw error;
  }
  throw new Error('expected a PlanValidationError');
}

/** A fake shop on the fake clock: answers like the demo shop (checkout needs a cart) and records every request. */
class FakeShop implements HttpClient {
  readonly calls: Array<HttpRequest & { at: number; path: string }> = [];
  private readonly carts = new Map<string, number>();
  constructor(private readonly clock: FakeClock) {}
  async send(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.path, 'http://x');
    this.calls.push({ ...req, at: this.clock.now(), path: url.pathname + url.search });
    const body = JSON.parse(req.body ?? '{}') as { userId?: string };
    let status = 200;
    if (req.method === 'POST' && url.pathname === '/cart') this.carts.set(body.userId ?? '', (this.carts.get(body.userId ?? '') ?? 0) + 1);
    if (req.method === 'POST' && url.pathname === '/checkout') status = this.carts.delete(body.userId ?? '') ? 201 : 400;
    return { status, headers: {}, body: '{}' };
  }
  async close(): Promise<void> {}
}

/** Runs a phased plan on the fake clock over the fake shop, with trace propagation as the local driver wires it. */
async function runShop(plan: Plan): Promise<{ shop: FakeShop; phases: Record<string, { tasks: Record<string, number> }> }> {
  const h = engineHarness(plan, { deadline: Number.POSITIVE_INFINITY });
  const shop = new FakeShop(h.clock);
  const propagation = new TracePropagation(plan.seed, plan.target.propagation?.baggage ?? {});
  const executor = new RequestExecutor({ http: shop, clock: h.clock, events: h.events, guard: h.guard, breaker: false, propagation });
  const unit = planUnits(plan, 'run-1', h.compiled.payloads, 0).units[0] as PhasesUnit;
  let done = false;
  const work = runPhases(unit, { ...h.env, executor, propagation }, phasesOf(plan)!, h.compiled.tasks).finally(() => (done = true));
  while (!done) {
    await h.clock.advance(1000);
    await nextTurn();
  }
  await work;
  return { shop, phases: h.recorder.result(h.clock.now()).phases ?? {} };
}

describe('Preset: phased', () => {
  describe('Schema: PhasedSchema (through loadPlan)', () => {
    it("has every variable of the seed's table, with the seed's default", () => {
      // Assess
      expect(Object.keys(SEED_DEFAULTS)).toHaveLength(19);
      expect(Object.fromEntries(Object.entries(PHASED_ENVIRONMENT).map(([name, v]) => [name, v.default]))).toEqual(SEED_DEFAULTS);
    });

    it("compiles the defaults to the seed's: 10 users at 2/s, equal weights, 5 s think (cv 0.5), ON 30 s / OFF 60 s, sessions of 20", () => {
      // Act
      const withWarmup = phasesOf(load('duration: 10m\nwarmupDuration: 300'));
      const noWarmup = phasesOf(load('duration: 10m'));

      // Assess
      const phase = { users: 10, spawnRate: 2, weights: {}, arrivalRate: 1, thinkTime: { mean: 5000, cv: 0.5 } };
      expect(withWarmup).toEqual({
        model: 'phases', workers: 1,
        phases: [{ name: 'baseline', duration: 300_000, ...phase }, { name: 'intervention', duration: 300_000, ...phase }],
        onOff: { on: { mean: 30_000, cv: 0.5 }, off: { mean: 60_000, cv: 0.5 } },
        session: { mean: 20, cv: 0.5 },
      });
      // LOAD_WARMUP_DURATION 0 (the default): no baseline, the whole run is the intervention
      expect(noWarmup?.phases).toEqual([{ name: 'intervention', duration: 600_000, ...phase }]);
    });

    it('reads the environment form (map or docker-compose list, strings or numbers) exactly like the explicit keys', () => {
      // Prepare: every variable set away from its default
      const env = {
        LOAD_WARMUP_DURATION: '60', LOAD_BASELINE_USERS: '4', LOAD_BASELINE_SPAWN_RATE: 1, LOAD_BASELINE_TASK_WEIGHTS: '{"browse": 10, "checkout": 1}',
        LOAD_BASELINE_ARRIVAL_RATE: '1.5', LOAD_BASELINE_THINK_TIME_MEAN: '2.5', LOAD_BASELINE_THINK_TIME_CV: 0.3,
        LOAD_INTERVENTION_USERS: 50, LOAD_INTERVENTION_SPAWN_RATE: '5', LOAD_INTERVENTION_TASK_WEIGHTS: '{"browse": 3, "checkout": 10}',
        LOAD_INTERVENTION_ARRIVAL_RATE: 2, LOAD_INTERVENTION_THINK_TIME_MEAN: '500ms', LOAD_INTERVENTION_THINK_TIME_CV: '1.0',
        LOAD_BURST_ON_DURATION_MEAN: '10', LOAD_BURST_ON_DURATION_CV: '0.2', LOAD_BURST_OFF_DURATION_MEAN: 20, LOAD_BURST_OFF_DURATION_CV: '0.4',
        LOAD_SESSION_LENGTH_MEAN: '7', LOAD_SESSION_LENGTH_CV: '0.25',
      };
      const explicit = `duration: 5m
warmupDuration: 1m
baseline: { users: 4, spawnRate: 1, taskWeights: { browse: 10, checkout: 1 }, arrivalRate: 1.5, thinkTimeMean: 2.5, thinkTimeCv: 0.3 }
intervention: { users: 50, spawnRate: 5, taskWeights: '{"browse": 3, "checkout": 10}', arrivalRate: 2, thinkTimeMean: 0.5, thinkTimeCv: 1 }
burst: { onDurationMean: 10s, onDurationCv: 0.2, offDurationMean: 20, offDurationCv: 0.4 }
session: { lengthMean: 7, lengthCv: 0.25 }`;

      // Act
      const fromKeys = load(explicit);
      const fromMap = load(`duration: 300\nenvironment: ${JSON.stringify(env)}`);
      const fromList = load(`duration: 300\nenvironment:\n${Object.entries(env).map(([k, v]) => `  - '${k}=${v}'`).join('\n')}`);

      // Assess
      expect(fromMap).toEqual(fromKeys);
      expect(fromList).toEqual(fromKeys);
      expect(phasesOf(fromKeys)?.phases[1]).toEqual({
        name: 'intervention', duration: 240_000, users: 50, spawnRate: 5, weights: { browse: 3, checkout: 10 }, arrivalRate: 2, thinkTime: { mean: 500, cv: 1 },
      });
      expect(phasesOf(fromKeys)?.onOff).toEqual({ on: { mean: 10_000, cv: 0.2 }, off: { mean: 20_000, cv: 0.4 } });
    });

    it.each([
      { text: 'duration: 10m\nbaseline: { users: -1 }', issue: '4:20 baseline.users must be >= 0' },
      { text: 'duration: 10m\nenvironment: { LOAD_INTERVENTION_USERS: "-5" }', issue: '4:41 environment.LOAD_INTERVENTION_USERS must be >= 0' },
      { text: 'duration: 10m\nenvironment: { LOAD_BASELINE_TASK_WEIGHTS: \'{"browse": 10,\' }', issue: '4:44 environment.LOAD_BASELINE_TASK_WEIGHTS invalid JSON' },
      { text: 'duration: 10m\nintervention: { taskWeights: { browse: 1, checkuot: 2 } }', issue: '4:53 intervention.taskWeights.checkuot unknown task "checkuot" (did you mean "checkout"?); known tasks: index, browse, search, cart, viewCart, checkout' },
      { text: 'duration: 10m\nenvironment: { LOAD_BASELINE_TASK_WEIGHTS: \'{"create": 2}\' }', issue: '4:44 environment.LOAD_BASELINE_TASK_WEIGHTS.create unknown task "create"; known tasks: index' },
      { text: 'duration: 10m\nbaseline: { taskWeights: { browse: 0 } }', issue: '4:26 baseline.taskWeights at least one task weight must be above 0' },
      { text: 'duration: 10m\nbaseline: { taskWeights: { browse: -1 } }', issue: '4:36 baseline.taskWeights.browse must be >= 0' },
      { text: 'duration: 10m\nenvironment: { LOAD_BASLINE_USERS: 3 }', issue: '4:16 environment.LOAD_BASLINE_USERS unknown key "LOAD_BASLINE_USERS" (did you mean "LOAD_BASELINE_USERS"?)' },
      { text: 'duration: 10m\nbaseline: { users: 4 }\nenvironment: { LOAD_BASELINE_USERS: 3 }', issue: '5:37 environment.LOAD_BASELINE_USERS LOAD_BASELINE_USERS and baseline.users both set this parameter: keep one' },
      { text: 'duration: 10m\nwarmupDuration: 10m', issue: '4:17 warmupDuration warmupDuration (600s) must be below duration (600s)' },
      { text: 'duration: 10m\nenvironment: { LOAD_WARMUP_DURATION: 900 }', issue: '4:38 environment.LOAD_WARMUP_DURATION warmupDuration (900s)' },
      { text: 'duration: 10m\nburst: { onDurationMean: 0 }', issue: '4:26 burst.onDurationMean must be above 0' },
      { text: 'duration: 10m\nsession: { lengthMean: 0.5 }', issue: '4:24 session.lengthMean must be >= 1' },
      { text: 'duration: 10 minutes', issue: '3:11 duration invalid duration "10 minutes"' },
      { text: 'duration: 10m\nproducts: ["a b"]', issue: '4:12 products[0] use letters, digits' },
    ])('rejects a bad parameter at its own key: $issue', ({ text, issue }) => {
      // Act
      const issues = issuesOf(text);

      // Assess
      expect(issues).toHaveLength(1);
      expect(issues[0]).toContain(issue);
    });
  });

  describe('Function: compilePhased', () => {
    it('compiles to the shop requests (named like its routes), six tasks, W3C baggage synthetic_request=true and the 1% error-rate expectation', () => {
      // Act
      const plan = load('duration: 10m\nname: shop\nseed: 9');

      // Assess
      expect(plan).toMatchObject({ kind: 'custom', name: 'shop', seed: 9 });
      expect(plan.target).toMatchObject({ propagation: { baggage: { synthetic_request: 'true' } }, circuitBreaker: false, retry: { max: 0 } });
      expect(Object.keys(plan.requests)).toEqual(['index', 'browse', 'search', 'cart', 'viewCart', 'checkout']);
      expect(Object.keys(plan.tasks)).toEqual([...PHASED_TASKS]);
      expect(plan.tasks.checkout).toEqual([{ request: 'cart' }, { request: 'checkout' }]);
      expect(plan.requests.checkout).toMatchObject({ method: 'POST', path: '/checkout', body: { userId: '{{payload.userId}}' }, expect: [201] });
      expect(plan.payloads.fields).toEqual({ userId: 'shopper-{{seq}}', product: { pick: [...PHASED_PRODUCTS] }, query: { pick: [...PHASED_CATEGORIES] }, quantity: { int: [1, 3] } });
      expect(plan.expect).toEqual([{ errorRate: { below: 0.01 } }]);
      expect(plan.limits).toMatchObject({ maxDuration: 660_000, maxConcurrency: 1000 });
      expect(load('duration: 1m\nmaxErrorRate: 5%').expect).toEqual([{ errorRate: { below: 0.05 } }]);
      expect(load('duration: 1m\nburst: false\nsession: false\nexpect: [{ lifecycles: failed, equals: 0 }]')).toMatchObject({
        load: { onOff: false, session: false }, expect: [{ lifecycles: 'failed', equals: 0 }],
      });
    });

    it('runs on the engine: every request traced with synthetic baggage, checkouts succeed, the mix switches at the warmup', async () => {
      // Prepare
      const plan = load(`duration: 40
warmupDuration: 20
baseline: { users: 5, taskWeights: { browse: 3, search: 1 }, thinkTimeMean: 0.2 }
intervention: { users: 10, spawnRate: 10, taskWeights: '{"checkout": 2, "viewCart": 1, "index": 1}', thinkTimeMean: 0.2 }
burst: { onDurationMean: 2, offDurationMean: 1 }`);

      // Act
      const { shop, phases } = await runShop(plan);

      // Assess
      expect(shop.calls.length).toBeGreaterThan(500);
      expect(shop.calls.every((c) => /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/.test(c.headers.traceparent ?? ''))).toBe(true);
      expect(shop.calls.every((c) => (c.headers.baggage ?? '').includes('synthetic_request=true'))).toBe(true);
      const before = shop.calls.filter((c) => c.at < 20_000).map((c) => c.path.split('/')[1]?.split('?')[0]);
      const after = shop.calls.filter((c) => c.at >= 20_000).map((c) => `${c.method} ${c.path.split('/')[1]}`);
      expect(new Set(before)).toEqual(new Set(['products', 'search']));
      expect(new Set(after)).toEqual(new Set(['POST cart', 'POST checkout', 'GET cart', 'GET ']));
      const checkouts = shop.calls.filter((c) => c.path === '/checkout');
      expect(checkouts.length).toBe(phases.intervention?.tasks.checkout);
      expect(phases.baseline?.tasks).not.toHaveProperty('checkout');
      // each checkout follows its own task's cart in the same trace (a new span), for the same shopper
      for (const c of checkouts) {
        const k = shop.calls.indexOf(c);
        const cart = shop.calls[k - 1];
        expect(cart?.path).toBe('/cart');
        expect(JSON.parse(cart?.body ?? '{}')).toMatchObject({ userId: JSON.parse(c.body ?? '{}').userId, productId: expect.stringMatching(/^p-([1-9]|[1-4]\d|50)$/) });
        expect(cart?.headers.traceparent?.split('-')[1]).toBe(c.headers.traceparent?.split('-')[1]);
      }
    });

    it('loads examples/phased.yaml: 15 s baseline of 10 users, 15 s intervention of 30', () => {
      // Act
      const file = 'examples/phased.yaml';
      const { plan, kind } = loadPlan(readFileSync(file, 'utf8'), file, {});

      // Assess
      expect(kind).toBe('phased');
      expect(phasesOf(plan)?.phases.map((p) => [p.name, p.duration, p.users])).toEqual([['baseline', 15_000, 10], ['intervention', 15_000, 30]]);
    });
  });
});
