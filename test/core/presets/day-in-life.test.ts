import { describe, expect, it } from 'vitest';
import { startCursor } from '../../../lib/core/engine/interpreter.ts';
import { runBatch } from '../../../lib/core/load/batches.ts';
import { runCursors } from '../../../lib/core/load/leftovers.ts';
import type { Cursor } from '../../../lib/core/engine/cursor.ts';
import { evaluateExpectations } from '../../../lib/core/plan/expectations.ts';
import { loadPlan } from '../../../lib/core/plan/plan-loader.ts';
import { planUnits } from '../../../lib/core/planner.ts';
import type { HttpRequest } from '../../../lib/core/ports.ts';
import { buildRunReport } from '../../../lib/core/report/build-report.ts';
import type { BatchUnit } from '../../../lib/core/units.ts';
import { engineHarness, runToEnd, type Harness } from '../../helpers/engine-harness.ts';
import { Rng } from '../../../lib/core/rng.ts';

/** A small day-in-life config: 4 orders, 3 activated, batches of 2, no jitter so times are exact. */
const CONFIG = `kind: day-in-life
seed: 1
simulation: { totalOrders: 4, batchSize: 2, parallelBatches: 2, activatedCount: 3 }
payload:
  customFields: { priority: normal }
intervals:
  betweenCreates: 2s
  afterCreateBeforeGet: 5s
  betweenGetPolls: 3s
  beforeActivate: 2s
  beforeCancel: 30s
  beforeEnd: 60s
  jitter: 0
api: { baseUrl: "http://127.0.0.1:8080", retryMax: 0 }
cleanup: { cancelTimeout: 300s, endTimeout: 600s, checkInterval: 10s }
`;

/** The order API: each order is Pending on its first GET /details, then Accepted. */
function scriptTarget(h: Harness): void {
  const polls = new Map<string, number>();
  const orderOf = (req: HttpRequest): string => new URL(req.path, 'http://x').searchParams.get('orderId') ?? '';
  h.http
    .on('POST', '/operation/payload', (req) => ({ status: 202, body: { orderId: `o-${(JSON.parse(req.body ?? '{}') as { orderNumber: string }).orderNumber}` } }))
    .on('GET', '/details', (req) => {
      const n = (polls.get(orderOf(req)) ?? 0) + 1;
      polls.set(orderOf(req), n);
      return { status: 200, body: { status: n === 1 ? 'Pending' : 'Accepted' } };
    })
    .on('POST', '/activate', { status: 200, body: {} })
    .on('POST', '/cancel', { status: 200, body: { status: 'Cancelled' } })
    .on('POST', '/end', { status: 200, body: { status: 'Ended' } });
}

function setup(): { h: Harness; units: BatchUnit[] } {
  const { plan } = loadPlan(CONFIG, 'config.yaml', {});
  const h = engineHarness(plan, { deferCleanup: true });
  scriptTarget(h);
  return { h, units: planUnits(plan, 'run-1', h.compiled.payloads, 0).units as BatchUnit[] };
}

const pacing = (h: Harness) => (h.plan.load.model === 'batches' ? { itemIntervalMs: h.plan.load.itemInterval, itemJitter: h.plan.load.itemJitter } : { itemIntervalMs: 0, itemJitter: 0 });

describe('Function: compileDayInLife (run through the engine)', () => {
  it('plans homogeneous batches: 3 activate orders in 2 batches, 1 accepted in 1', () => {
    // Act
    const { h, units } = setup();

    // Assess
    expect(units.map((u) => [u.group, u.indices.length])).toEqual([['activate', 2], ['activate', 1], ['accepted', 1]]);
    for (const u of units) expect(u.indices.every((i) => h.compiled.payloads.get(i)['type'] === u.group)).toBe(true);
  });

  it('runs an activate batch at exact times: create, details polls, activate, then END (CANCEL replaced) beforeEnd after each activate', async () => {
    // Prepare
    const { h, units } = setup();
    const batch = units[0]!;
    const [first, second] = batch.indices.map((i) => h.compiled.payloads.get(i)['orderNumber'] as string);

    // Act
    const { parked } = await runToEnd(h.clock, runBatch(batch, h.env, pacing(h)));
    const left = await runToEnd(h.clock, runCursors(parked, { ...h.env, deferCleanup: false }));

    // Assess
    expect(left).toEqual([]);
    expect(h.http.timeline()).toEqual([
      'POST /operation/payload @0',
      `GET /details?orderId=o-${first} @5000`,
      `GET /details?orderId=o-${first} @8000`,
      'POST /activate @10000',
      'POST /operation/payload @12000',
      `GET /details?orderId=o-${second} @17000`,
      `GET /details?orderId=o-${second} @20000`,
      'POST /activate @22000',
      'POST /end @70000',
      'POST /end @82000',
    ]);
    const [create] = h.http.bodiesOf('POST', '/operation/payload') as Array<Record<string, unknown>>;
    expect(create).toEqual({
      orderNumber: first, location: 'US-EAST-1', pocOrder: 'POC-2024-001', timestamp: '1970-01-01T00:00:00.000Z', type: 'activate',
      customFields: { priority: 'normal' },
    });
    expect(h.http.bodiesOf('POST', '/end')).toEqual([{ orderId: `o-${first}` }, { orderId: `o-${second}` }]);
  });

  it('runs the whole plan: every order ends or is cancelled, 3 activated, and the default expectations hold', async () => {
    // Prepare
    const { h, units } = setup();
    const parked: Cursor[] = [];
    let next = 0;
    const slot = async (): Promise<void> => {
      while (next < units.length) {
        const unit = units[next++]!;
        parked.push(...(await runBatch(unit, { ...h.env, unitId: unit.unitId }, pacing(h))).parked);
      }
    };

    // Act
    await runToEnd(h.clock, Promise.all([slot(), slot()]));
    await runToEnd(h.clock, runCursors(parked, { ...h.env, deferCleanup: false }));

    // Assess
    const result = h.recorder.result(h.clock.now());
    expect(result.lifecycles).toEqual({ completed: 4, failed: 0, dropped: 0, reasons: {} });
    expect(result.transitions).toEqual({
      'start->created': 4, 'created->accepted': 4, 'accepted->activated': 3, 'activated->ended': 3, 'accepted->cancelled': 1,
    });
    expect(result.nonTerminalCount).toBe(0);
    expect(h.http.calls.filter((c) => c.path === '/cancel')).toHaveLength(1);
    expect(h.http.calls.filter((c) => c.path === '/end')).toHaveLength(3);
    const report = buildRunReport({ runId: 'run-1', plan: { name: 'day-in-life', kind: 'day-in-life', entity: 'order' }, status: 'completed', planned: 4, result, expectations: [] });
    const verdicts = evaluateExpectations(h.plan.expect, {
      lifecycles: { ...report.lifecycles, nonTerminal: report.nonTerminal.count }, states: report.states, errorRate: report.totals.errorRate, endpoints: report.endpoints,
    });
    expect(verdicts.map((v) => `${v.rule}: ${v.ok ? 'ok' : `${v.actual} vs ${v.expected}`}`)).toEqual([
      'lifecycles nonTerminal: ok', 'state activated: ok', 'state ended: ok', 'state cancelled: ok',
    ]);
  });

  it('starts each lifecycle from its own replayable rng, derived from (seed, index) when first drawn', () => {
    expect(startCursor(1, 3)).toEqual(startCursor(1, 3));
    const draws = (rng: Rng): number[] => [rng.float(), rng.float(), rng.int(0, 1000)];
    expect(draws(Rng.deferred(1, 'lifecycle', 3))).toEqual(draws(Rng.derive(1, 'lifecycle', 3)));
    expect(draws(Rng.deferred(1, 'lifecycle', 3))).not.toEqual(draws(Rng.deferred(1, 'lifecycle', 4)));
  });
});
