import { afterEach, describe, expect, it } from 'vitest';
import { FaultConfigError, FaultController, startTarget } from '../../lib/target/index.ts';
import type { FaultConfigInput, RunningTarget } from '../../lib/target/index.ts';
import { call, ManualClock } from './client.ts';

describe('FaultController', () => {
  it('fails every request at errorRate 1 and none at errorRate 0', () => {
    const faults = new FaultController({ endpoints: { 'POST /activate': { errorRate: 1 }, 'POST /end': { errorRate: 0 } } });
    for (let i = 0; i < 50; i++) {
      expect(faults.decide('POST /activate')).toEqual({ latencyMs: 0, errorStatus: 503 });
      expect(faults.decide('POST /end')).toEqual({ latencyMs: 0 });
      expect(faults.decide('GET /details')).toEqual({ latencyMs: 0 });
    }
  });

  it('replays the same faults for the same seed, whatever other endpoints draw', () => {
    const config: FaultConfigInput = { seed: 42, endpoints: { '*': { errorRate: 0.2, latencyMs: 5, latencyJitterMs: 10 } } };
    const a = new FaultController(config);
    const b = new FaultController(config);
    const fromA = Array.from({ length: 200 }, () => a.decide('POST /activate'));
    const fromB = Array.from({ length: 200 }, () => {
      b.decide('GET /details'); // interleaved traffic elsewhere does not shift /activate's draws
      return b.decide('POST /activate');
    });
    expect(fromB).toEqual(fromA);
    const failures = fromA.filter((d) => d.errorStatus !== undefined).length;
    expect(failures).toBeGreaterThan(20);
    expect(failures).toBeLessThan(60);
    for (const d of fromA) {
      expect(d.latencyMs).toBeGreaterThanOrEqual(5);
      expect(d.latencyMs).toBeLessThan(15);
    }
  });

  it('lets an endpoint rule replace the wildcard rule', () => {
    const faults = new FaultController({ endpoints: { '*': { errorRate: 1 }, 'GET /details': { latencyMs: 7 } } });
    expect(faults.decide('GET /details')).toEqual({ latencyMs: 7 });
    expect(faults.decide('POST /cancel').errorStatus).toBe(503);
  });

  it('throws FaultConfigError listing every problem', () => {
    const faults = new FaultController();
    const bad = { endpoints: { activate: {}, '*': { errorRate: 2 }, 'POST /end': { oops: true } } } as unknown as FaultConfigInput;
    const error = (() => {
      try {
        faults.set(bad);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(FaultConfigError);
    expect((error as FaultConfigError).issues).toEqual([
      'endpoints.activate: invalid key: must be "*" or "<METHOD> <path>", e.g. "POST /activate"',
      'endpoints["*"].errorRate: Too big: expected number to be <=1',
      'endpoints["POST /end"]: Unrecognized key: "oops"',
    ]);
    expect(faults.get()).toEqual({ seed: 1, endpoints: {} });
  });
});

describe('startTarget: faults', () => {
  let target: RunningTarget | undefined;
  afterEach(async () => {
    await target?.close();
    target = undefined;
  });

  const start = async (faults?: FaultConfigInput): Promise<RunningTarget> => {
    const clock = new ManualClock();
    target = await startTarget({ acceptDelayMs: 0, now: clock.now, ...(faults && { faults }) });
    return target;
  };

  it('answers a faulted request with the error status and leaves state unchanged, so a retry succeeds', async () => {
    const t = await start({ endpoints: { 'POST /activate': { errorRate: 1, errorStatus: 502 } } });
    const orderId = (await call(t.url, 'POST', '/operation/payload', { orderNumber: 'A' })).body.orderId as string;

    expect(await call(t.url, 'POST', '/activate', { orderId })).toEqual({ status: 502, body: { error: 'injected fault' } });
    expect((await call(t.url, 'GET', `/details?orderId=${orderId}`)).body.status).toBe('Accepted');

    t.faults.set({});
    expect((await call(t.url, 'POST', '/activate', { orderId })).body.status).toBe('Activated');
    expect(t.stats().faultsInjected).toEqual({ 'POST /activate': 1 });
    expect(t.stats().requests['POST /activate']).toEqual({ total: 2, byStatus: { '502': 1, '200': 1 } });
  });

  it('faults a seeded 20% of creates reproducibly, and only successful creates make orders', async () => {
    const run = async (): Promise<number[]> => {
      const t = await start({ seed: 7, endpoints: { 'POST /operation/payload': { errorRate: 0.2 } } });
      const statuses: number[] = [];
      for (let i = 0; i < 100; i++) {
        let res = await call(t.url, 'POST', '/operation/payload', { orderNumber: `ORD-${i}` });
        statuses.push(res.status);
        // A retry with the same orderNumber must not see 409: the faulted attempt created nothing.
        while (res.status === 503) res = await call(t.url, 'POST', '/operation/payload', { orderNumber: `ORD-${i}` });
        expect(res.status).toBe(202);
      }
      const stats = t.stats();
      const faulted = stats.faultsInjected['POST /operation/payload'] ?? 0;
      expect(stats.orders.total).toBe(100);
      expect(stats.requests['POST /operation/payload']).toEqual({ total: 100 + faulted, byStatus: { '202': 100, '503': faulted } });
      await t.close();
      return statuses;
    };

    const first = await run();
    const second = await run();

    expect(second).toEqual(first);
    const faulted = first.filter((s) => s === 503).length;
    expect(faulted).toBeGreaterThan(5);
    expect(faulted).toBeLessThan(40);
  });

  it('replaces the config at runtime with PUT /_faults and reads it back with GET /_faults', async () => {
    const t = await start();
    const config = { seed: 3, endpoints: { 'GET /details': { errorRate: 1, errorStatus: 500 } } };

    const put = await call(t.url, 'PUT', '/_faults', config);

    const full = { seed: 3, endpoints: { 'GET /details': { errorRate: 1, errorStatus: 500, latencyMs: 0, latencyJitterMs: 0 } } };
    expect(put).toEqual({ status: 200, body: full });
    expect(await call(t.url, 'GET', '/_faults')).toEqual({ status: 200, body: full });
    expect((await call(t.url, 'GET', '/details?orderId=x')).status).toBe(500);
    expect(t.faults.get()).toEqual(full);
  });

  it.each([
    ['an errorRate above 1', { endpoints: { '*': { errorRate: 1.5 } } }],
    ['an unknown field', { endpoints: { '*': { errorRatio: 0.5 } } }],
    ['a malformed endpoint key', { endpoints: { activate: { errorRate: 0.5 } } }],
    ['a non-error status', { endpoints: { '*': { errorRate: 1, errorStatus: 200 } } }],
    ['negative latency', { endpoints: { '*': { latencyMs: -1 } } }],
    ['malformed JSON', '{"endpoints":'],
    ['an array', '[]'],
  ])('returns 400 from PUT /_faults for %s and keeps the old config', async (_name, body) => {
    const t = await start({ endpoints: { 'POST /end': { errorRate: 1 } } });
    const before = t.faults.get();
    const res = await call(t.url, 'PUT', '/_faults', body);
    expect(res.status).toBe(400);
    expect(typeof res.body.error).toBe('string');
    expect(t.faults.get()).toEqual(before);
  });

  it('never faults the control plane', async () => {
    const t = await start({ endpoints: { '*': { errorRate: 1 } } });
    expect((await call(t.url, 'GET', '/_stats')).status).toBe(200);
    expect((await call(t.url, 'GET', '/_faults')).status).toBe(200);
    expect((await call(t.url, 'PUT', '/_faults', { endpoints: {} })).status).toBe(200);
    expect((await call(t.url, 'POST', '/_reset')).status).toBe(200);
    expect((await call(t.url, 'GET', '/details?orderId=x')).status).toBe(404);
  });

  it('delays requests by the injected latency', async () => {
    const t = await start({ endpoints: { 'GET /details': { latencyMs: 120 } } });
    const started = performance.now();
    expect((await call(t.url, 'GET', '/details?orderId=x')).status).toBe(404);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('closes promptly while a request sleeps in injected latency', async () => {
    const t = await start({ endpoints: { 'GET /details': { latencyMs: 60_000 } } });
    const pending = fetch(`${t.url}/details?orderId=x`).then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await t.close();
    expect(performance.now() - started).toBeLessThan(10_000); // far below the 60 s it would wait, with room for a busy machine
    expect(await pending).toBe('failed');
  });
});
