import { afterEach, describe, expect, it } from 'vitest';
import { hitCommand, hitPlan, hitSummary } from '../../lib/cli/hit-command.ts';
import { startTarget, type RunningTarget } from '../../lib/target/index.ts';
import { startRecordingTarget } from '../helpers/recording-target.ts';

let target: RunningTarget | undefined;
afterEach(async () => {
  await target?.close();
  target = undefined;
});

describe('loadfleet hit', () => {
  it('compiles to a general plan: closed loop by default, an open rate with -R', () => {
    const base = { connections: 8, duration: '2s', method: 'get', timeout: '5s' };
    expect(hitPlan('http://127.0.0.1:9/a?b=1', base)).toMatchObject({
      target: { baseUrl: 'http://127.0.0.1:9', maxConnections: 8, circuitBreaker: false },
      requests: { hit: { method: 'GET', path: '/a?b=1', retry: false } },
      load: { model: 'vus', vus: 8, duration: 2000 },
    });
    expect(hitPlan('http://127.0.0.1:9/', { ...base, rate: 100, header: ['X-A: 1'] })).toMatchObject({
      target: { headers: { 'x-a': '1' } },
      load: { model: 'rate', rate: 100, workers: 1, maxInFlight: 8 },
    });
  });

  it('counts what the target received, and reports non-2xx apart from transport errors', async () => {
    // Prepare: 25% of GET / answered 503 by the demo target
    target = await startTarget({ faults: { seed: 2, endpoints: { 'GET /': { errorRate: 0.25 } } } });

    // Act
    const { exitCode, report } = await hitCommand(`${target.url}/`, { connections: 4, duration: '1s', method: 'GET', timeout: '5s', quiet: true });

    // Assess
    expect(exitCode).toBe(0);
    const summary = hitSummary(report!);
    const received = target.stats().requests['GET /']?.total ?? 0;
    expect(summary.requests).toBe(received);
    expect(summary.non2xx).toBe(target.stats().faultsInjected['GET /']);
    expect(summary.errors).toBe(0);
    expect(summary.p99Ms).toBeGreaterThan(0);
  });

  it('sends the URL\'s userinfo as Basic auth, as curl does', async () => {
    // Prepare
    const recorder = await startRecordingTarget('127.0.0.1');
    try {
      // Act
      const { exitCode } = await hitCommand(`http://ann:p%40ss@127.0.0.1:${recorder.port}/x?y=1`, { connections: 1, duration: '200ms', method: 'GET', timeout: '5s', quiet: true });

      // Assess
      expect(exitCode).toBe(0);
      expect(recorder.received.length).toBeGreaterThan(0);
      expect(new Set(recorder.received.map((r) => `${r.line} ${r.headers.authorization}`))).toEqual(new Set([`GET /x?y=1 Basic ${Buffer.from('ann:p@ss').toString('base64')}`]));
    } finally {
      await recorder.close();
    }
  });

  it('rejects a bad duration or header with exit 2', async () => {
    const log: string[] = [];
    const result = await hitCommand('http://127.0.0.1:9/', { connections: 1, duration: 'soon', method: 'GET', timeout: '1s', quiet: true }, (l) => log.push(l));
    expect(result.exitCode).toBe(2);
    expect(log.join('\n')).toContain('invalid duration');
  });
});
