import { describe, expect, it } from 'vitest';
import { runVus } from '../../../lib/core/load/vus.ts';
import { loadPlan } from '../../../lib/core/plan/plan-loader.ts';
import { PlanValidationError } from '../../../lib/core/plan/issues.ts';
import { planUnits } from '../../../lib/core/planner.ts';
import type { HttpRequest } from '../../../lib/core/ports.ts';
import { CHARGEBACKS_PATH, ORDERS_PATH, WebhooksSchema } from '../../../lib/core/presets/webhooks.ts';
import type { VusUnit } from '../../../lib/core/units.ts';
import { engineHarness, runToEnd, type Harness } from '../../helpers/engine-harness.ts';

/** A webhooks config in the seed's flag shape, as YAML, with `extra` lines appended. */
function configYaml(extra = ''): string {
  return `kind: webhooks
seed: 5
target: http://127.0.0.1:3001
vus: 4
duration: 2s
disputeRatio: 0.3
${extra}`;
}

/** One webhook the fake target received, reduced to what the tests check. */
interface Sent {
  readonly at: number;
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/**
 * Every order's webhook sequence must read as a path through both state machines: the order's
 * (created -> [updated] -> success | failed) and, after success only, its chargeback's
 * (opened -> [updated] -> closed with a resolution).
 */
const VALID_SEQUENCE = /^created( updated)? (failed|success( cb:opened( cb:updated)? cb:closed:(won|lost))?)$/;

function word(s: Sent): string {
  if (s.path === ORDERS_PATH) return String(s.body['status']);
  const resolution = (s.body['meta'] as { resolution?: string } | undefined)?.resolution;
  return `cb:${String(s.body['status'])}${resolution ? `:${resolution}` : ''}`;
}

/** The webhooks of each order (by provider_order_id), in the order they were sent. */
function byOrder(sent: readonly Sent[]): Map<string, Sent[]> {
  const orders = new Map<string, Sent[]>();
  for (const s of sent) {
    const id = String(s.body['provider_order_id']);
    orders.set(id, [...(orders.get(id) ?? []), s]);
  }
  return orders;
}

/** Sequences per order, e.g. `created updated success cb:opened cb:closed:won`. */
function sequences(sent: readonly Sent[]): Map<string, string> {
  return new Map([...byOrder(sent)].map(([id, list]) => [id, list.map(word).join(' ')]));
}

/** Runs the plan's single vus unit on the fake clock against a target that accepts every webhook (or as `answer` says). */
async function runFake(yaml: string, opts: { answer?: (req: HttpRequest) => number; stopAt?: number } = {}): Promise<{ h: Harness; sent: Sent[] }> {
  const { plan } = loadPlan(yaml, 'webhooks.yaml', {});
  const h = engineHarness(plan);
  const reply = (req: HttpRequest) => ({ status: opts.answer?.(req) ?? 200, body: { accepted: true } });
  h.http.on('POST', ORDERS_PATH, reply).on('POST', CHARGEBACKS_PATH, reply);
  const [unit] = planUnits(plan, 'run-1', h.compiled.payloads, 0).units as VusUnit[];
  if (opts.stopAt !== undefined) void h.clock.sleep(opts.stopAt).then(() => h.guard.stop('user stop'));
  await runToEnd(h.clock, runVus(unit!, h.env));
  const sent = h.http.calls.map((c) => ({ at: c.at, path: c.path, body: JSON.parse(c.body ?? '{}') as Record<string, unknown> }));
  return { h, sent };
}

describe('WebhooksSchema', () => {
  it("takes the seed's flags with the seed's defaults; -target may be a bare URL", () => {
    // Act
    const config = WebhooksSchema.parse({ kind: 'webhooks', target: 'http://127.0.0.1:3001' });

    // Assess
    expect(config).toMatchObject({
      vus: 10, duration: 30_000, disputeRatio: 0.3, stepDelay: 10, updatedRatio: 0.5, failedRatio: 0.1,
      target: { baseUrl: 'http://127.0.0.1:3001', timeout: 5000, retries: 0 },
    });
  });

  it('rejects a disputeRatio above 1 and a bad target, each with its path and position', () => {
    // Act
    let error: unknown;
    try {
      loadPlan('kind: webhooks\ntarget: not-a-url\ndisputeRatio: 1.5\n', 'webhooks.yaml', {});
    } catch (e) {
      error = e;
    }

    // Assess
    expect(error).toBeInstanceOf(PlanValidationError);
    const issues = (error as PlanValidationError).issues;
    expect(issues.find((i) => i.path === 'disputeRatio')).toMatchObject({ file: 'webhooks.yaml', line: 3 });
    expect(issues.find((i) => i.path.startsWith('target'))?.message).toContain('http(s) URL');
  });

  it('rejects a templated target URL, given as a bare string, at its position', () => {
    const error = (() => {
      try {
        loadPlan('kind: webhooks\ntarget: "http://{{uuid}}@127.0.0.1:8080"\n', 'webhooks.yaml', {});
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(PlanValidationError);
    expect((error as PlanValidationError).issues.map((i) => [i.line, i.path, i.message])).toEqual([
      [2, 'target.baseUrl', 'target.baseUrl cannot hold a template ({{ }}): the origin of every request is fixed before the run starts. Put values in a request\'s path instead'],
    ]);
  });
});

describe('Function: compileWebhooks', () => {
  it('compiles to a general plan: eight webhook requests with states, a chance-driven lifecycle, closed VUs', () => {
    // Act
    const { plan } = loadPlan(configYaml(), 'webhooks.yaml', {});

    // Assess
    expect(Object.keys(plan.requests)).toEqual([
      'orderCreated', 'orderUpdated', 'orderSuccess', 'orderFailed', 'chargebackOpened', 'chargebackUpdated', 'chargebackWon', 'chargebackLost',
    ]);
    expect(Object.fromEntries(Object.entries(plan.requests).map(([n, r]) => [n, [r.method, r.path, r.state]]))).toMatchObject({
      orderCreated: ['POST', ORDERS_PATH, 'created'],
      orderFailed: ['POST', ORDERS_PATH, 'failed'],
      chargebackOpened: ['POST', CHARGEBACKS_PATH, 'disputed'],
      chargebackLost: ['POST', CHARGEBACKS_PATH, 'lost'],
    });
    expect(plan.requests['chargebackWon']?.body).toMatchObject({ status: 'closed', reason: 'fraudulent', amount: 99.99, currency: 'USD', meta: { resolution: 'won' } });
    expect(plan.requests['orderCreated']?.body).toMatchObject({ provider_order_id: '{{payload.orderId}}', occurred_at: '{{now}}', event_id: '{{payload.events.order_created}}' });
    expect(plan.load).toEqual({ model: 'vus', vus: 4, duration: 2000, workers: 1 });
    expect(plan.entity).toEqual({ name: 'order', terminal: ['success', 'failed', 'won', 'lost'] });
    expect(plan.target).toMatchObject({ timeout: 5000, circuitBreaker: false, retry: { max: 0 } });
    expect(JSON.stringify(plan.lifecycle)).toContain('"chance":0.3');
    expect(plan.expect).toEqual([{ lifecycles: 'nonTerminal', equals: 0 }, { errorRate: { below: 0.01 } }]);
  });
});

describe('webhooks lifecycles (fake clock, a target that accepts everything)', () => {
  it('sends only valid transition sequences, 10 ms apart, with unique event ids and stable order/user/chargeback ids', async () => {
    // Act
    const { h, sent } = await runFake(configYaml());

    // Assess
    const orders = byOrder(sent);
    expect(orders.size).toBeGreaterThan(100);
    for (const [id, list] of orders) {
      expect(list.map(word).join(' '), id).toMatch(VALID_SEQUENCE);
      for (let i = 1; i < list.length; i++) expect(list[i]!.at - list[i - 1]!.at).toBe(10);
      expect(new Set(list.filter((s) => s.path === ORDERS_PATH).map((s) => s.body['user_id'])).size).toBe(1);
      expect(new Set(list.filter((s) => s.path === CHARGEBACKS_PATH).map((s) => s.body['chargeback_id'])).size).toBeLessThanOrEqual(1);
    }
    const eventIds = sent.map((s) => s.body['event_id']);
    expect(new Set(eventIds).size).toBe(eventIds.length);
    const result = h.recorder.result(h.clock.now());
    expect(result.lifecycles).toEqual({ completed: orders.size, failed: 0, dropped: 0, reasons: {} });
    expect(result.nonTerminalCount).toBe(0);
    // every branch was taken at least once
    const words = new Set(sent.map(word));
    expect([...words].sort()).toEqual(['cb:closed:lost', 'cb:closed:won', 'cb:opened', 'cb:updated', 'created', 'failed', 'success', 'updated']);
  });

  it('replays: the same seed sends the same sequence per order; another seed does not', async () => {
    // Act
    const first = sequences((await runFake(configYaml())).sent);
    const again = sequences((await runFake(configYaml())).sent);
    const other = sequences((await runFake(configYaml().replace('seed: 5', 'seed: 6'))).sent);

    // Assess
    expect([...again]).toEqual([...first]);
    expect([...other.values()]).not.toEqual([...first.values()]);
  });

  it('follows the ratios at their extremes: the seed\'s own path (always updated, success) and every success disputed', async () => {
    // Act
    const { sent } = await runFake(configYaml('updatedRatio: 1\nfailedRatio: 0\ndisputeRatio: 1\nchargebackUpdatedRatio: 0\nwonRatio: 1\n').replace('disputeRatio: 0.3\n', ''));

    // Assess
    expect(new Set(sequences(sent).values())).toEqual(new Set(['created updated success cb:opened cb:closed:won']));
  });

  it('starts no lifecycle after the deadline and finishes the ones running at it', async () => {
    // Act
    const { h, sent } = await runFake(configYaml().replace('duration: 2s', 'duration: 95ms'));

    // Assess
    const starts = sent.filter((s) => s.body['status'] === 'created' && s.path === ORDERS_PATH);
    expect(Math.max(...starts.map((s) => s.at))).toBeLessThan(95);
    expect(Math.max(...sent.map((s) => s.at))).toBeGreaterThan(95);
    for (const seq of sequences(sent).values()) expect(seq).toMatch(VALID_SEQUENCE);
    const result = h.recorder.result(h.clock.now());
    expect(result.lifecycles.completed).toBe(starts.length);
    expect(result.nonTerminalCount).toBe(0);
  });

  it('on a stop, takes every order and chargeback to a terminal state through valid transitions (cleanup)', async () => {
    // Act
    const { h, sent } = await runFake(configYaml('updatedRatio: 0.8\ndisputeRatio: 0.8\n').replace('disputeRatio: 0.3\n', ''), { stopAt: 503 });

    // Assess
    expect(Math.min(...sent.filter((s) => s.body['status'] === 'created').map((s) => s.at))).toBe(0);
    for (const seq of sequences(sent).values()) expect(seq).toMatch(VALID_SEQUENCE);
    const result = h.recorder.result(h.clock.now());
    expect(result.lifecycles.reasons).toEqual({ stopped: result.lifecycles.failed });
    expect(result.lifecycles.failed).toBeGreaterThan(0);
    expect(result.nonTerminalCount).toBe(0);
    // nothing new after the stop: no order created, no chargeback opened
    expect(sent.filter((s) => s.at > 503 && (s.body['status'] === 'created' || s.body['status'] === 'opened'))).toEqual([]);
  });

  it('resends a webhook with the same event_id, so a resend of an applied event is a duplicate, not a new transition', async () => {
    // Prepare: the first delivery of every event gets a 503, the resend a 200
    const seen = new Set<string>();
    const answer = (req: HttpRequest): number => {
      const id = String((JSON.parse(req.body ?? '{}') as { event_id?: string }).event_id);
      if (seen.has(id)) return 200;
      seen.add(id);
      return 503;
    };
    const yaml = configYaml().replace('target: http://127.0.0.1:3001', 'target: { baseUrl: "http://127.0.0.1:3001", retries: 1, retryBackoff: 5ms }');

    // Act
    const { h, sent } = await runFake(yaml, { answer });

    // Assess: each event went out exactly twice, with one id, and the sequences hold once deduplicated
    const counts = new Map<unknown, number>();
    for (const s of sent) counts.set(s.body['event_id'], (counts.get(s.body['event_id']) ?? 0) + 1);
    expect(new Set(counts.values())).toEqual(new Set([2]));
    const once = sent.filter((s, i) => sent.findIndex((t) => t.body['event_id'] === s.body['event_id']) === i);
    for (const seq of sequences(once).values()) expect(seq).toMatch(VALID_SEQUENCE);
    const result = h.recorder.result(h.clock.now());
    expect(result.endpoints['orderCreated']).toMatchObject({ retries: result.endpoints['orderCreated']!.ok, statusCodes: { '503': result.endpoints['orderCreated']!.ok } });
    expect(result.nonTerminalCount).toBe(0);
  });

  it('fails an order whose webhook was refused, so it still ends terminal', async () => {
    // Act: every `updated` order webhook gets a 500 (no retries by default)
    const { h, sent } = await runFake(configYaml(), { answer: (req) => (req.path.endsWith(ORDERS_PATH) && req.body?.includes('"status":"updated"') ? 500 : 200) });

    // Assess
    const updatedOrders = [...sequences(sent).values()].filter((s) => s.startsWith('created updated'));
    expect(updatedOrders.length).toBeGreaterThan(0);
    for (const seq of updatedOrders) expect(seq).toBe('created updated failed');
    const result = h.recorder.result(h.clock.now());
    expect(result.lifecycles.failed).toBe(updatedOrders.length);
    expect(result.lifecycles.reasons).toEqual({ 'orderUpdated: http5xx 500': updatedOrders.length });
    expect(result.nonTerminalCount).toBe(0);
  });
});
