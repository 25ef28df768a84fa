import { describe, expect, it } from 'vitest';
import { MemoryFleetStore } from '../../../lib/adapters/local/memory-fleet-store.ts';
import { MemoryObjectStore } from '../../../lib/adapters/local/memory-object-store.ts';
import type { FleetEnv } from '../../../lib/runtime/fleet/fleet-env.ts';
import { fleetEnv } from '../../../lib/runtime/fleet/fleet-env.ts';
import { FleetConfigError, InvalidPlanError } from '../../../lib/runtime/fleet/errors.ts';
import { planRun } from '../../../lib/runtime/fleet/plan-run.ts';
import { pollSecondsFor } from '../../../lib/runtime/fleet/state.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';
import { ScriptedHttp } from '../../helpers/scripted-http.ts';
import { dayInLifeYaml } from '../../e2e/helpers.ts';

const FLEET: FleetEnv = {
  tableName: 't', queueUrl: 'q', bucket: 'b', allowedHosts: ['api.example.test', '127.0.0.1'], limits: { maxRps: 100, maxDurationSeconds: 600, maxRequests: 1000 },
  workerTimeoutMs: 900_000, startLeadMs: 20_000, maxConcurrency: 10,
};

function deps(fleet: FleetEnv = FLEET) {
  const store = new MemoryFleetStore();
  const objects = new MemoryObjectStore('reports');
  const clock = new FakeClock(Date.UTC(2026, 10, 21, 8, 0, 0));
  return { store, objects, fleet, env: {}, clock, http: () => new ScriptedHttp(clock) };
}

const rateYaml = (baseUrl: string, rate: number, duration = '10s'): string => `kind: custom
name: rate
seed: 1
target: { baseUrl: "${baseUrl}" }
requests: { ping: { method: GET, path: /ping } }
lifecycle: [ { request: ping } ]
load: { model: rate, rate: ${rate}, duration: ${duration}, workers: 3 }
`;

describe('planRun (the Plan step)', () => {
  it('writes the run and its units and returns ids and times only', async () => {
    const d = deps();
    const state = await planRun({ plan: dayInLifeYaml('http://127.0.0.1:8080'), runId: 'run-1' }, d);
    expect(state).toEqual({ runId: 'run-1', startAt: '2026-11-21T08:00:20.000Z', pollSeconds: 5 });
    const run = await d.store.getRun('run-1');
    expect(run).toMatchObject({ status: 'RUNNING', kind: 'day-in-life', planned: 200, unitsPlanned: 11, startAt: Date.UTC(2026, 10, 21, 8, 0, 20) });
    expect((await d.store.listUnits('run-1')).map((u) => [u.status, u.sent])).toEqual(Array.from({ length: 11 }, () => ['QUEUED', false]));
    expect(JSON.stringify(state).length).toBeLessThan(200);
  });

  it('splits an open rate exactly across the units (34/33/33 for 100/s in 3)', async () => {
    const d = deps();
    await planRun({ plan: rateYaml('http://127.0.0.1:8080', 100), runId: 'r' }, d);
    const units = (await d.store.listUnits('r')).map((u) => u.unit);
    expect(units.map((u) => (u.kind === 'rate' ? u.ratePerSec : 0))).toEqual([34, 33, 33]);
  });

  it('spreads a burst over one slice per worker the stack allows (spread: true)', async () => {
    const d = deps();
    const plan = `kind: custom\nname: s\nseed: 1\ntarget: { baseUrl: "http://127.0.0.1:8080" }\nrequests: { claim: { method: POST, path: /claim } }\nlifecycle: [ { request: claim } ]\nload: { model: burst, count: 50, slices: 2, spread: true }\n`;
    await planRun({ plan, runId: 's' }, d);
    const units = (await d.store.listUnits('s')).map((u) => u.unit);
    expect(units.map((u) => (u.kind === 'burst' ? u.count : 0))).toEqual(Array.from({ length: 10 }, () => 5));
    expect(new Set(units.map((u) => (u.kind === 'burst' ? u.startAt : 0))).size).toBe(1);
  });

  it('reads a stored plan by key (what schedules use)', async () => {
    const d = deps();
    await d.objects.put('plans/nightly.yaml', rateYaml('https://api.example.test', 10), 'text/yaml');
    const state = await planRun({ planKey: 'plans/nightly.yaml' }, d);
    expect(state.runId).toMatch(/^run-20261121-080000-[0-9a-f]{4}$/);
  });

  it.each([
    ['a host off the allowlist', { plan: rateYaml('https://other.example.test', 10) }, /not on the stack's allowlist \(api.example.test, 127.0.0.1\)/],
    ['a metadata address', { plan: rateYaml('http://169.254.169.254', 10) }, /169\.254\.169\.254" is a cloud metadata address/],
    ['a rate above the cap', { plan: rateYaml('http://127.0.0.1:8080', 500) }, /load.rate 500\/s is above the stack's cap of 100\/s/],
    ['a duration above the cap', { plan: rateYaml('http://127.0.0.1:8080', 10, '15m') }, /above the stack's cap of 600s/],
    ['a plan with errors, with file:line:col and key', { plan: 'kind: custom\nname: x\ntarget: { baseUrl: 12 }\n' }, /input\.plan\.yaml:3:\d+.*target\.baseUrl/s],
    ['both plan and planKey', { plan: 'x', planKey: 'plans/a.yaml' }, /exactly one of "plan" or "planKey"/],
    ['a missing stored plan', { planKey: 'plans/missing.yaml' }, /no plan at s3:\/\/reports\/plans\/missing.yaml/],
  ])('rejects %s with InvalidPlan, before writing anything', async (_name, input, message) => {
    const d = deps();
    const error = await planRun(input, d).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidPlanError);
    expect((error as Error).name).toBe('InvalidPlan');
    expect(error).toMatchObject({ code: 'PLAN_REJECTED' });
    expect((error as Error).message).toMatch(message);
    expect(await d.store.getRun('run-1')).toBeUndefined();
  });

  it.each([
    ['169.254.169.254', 'http://169.254.169.254'],
    ['fd00:ec2::254', 'http://[fd00:ec2::254]'],
    // The same address written as an IPv4-mapped IPv6 address, or as one decimal number.
    ['169.254.169.254', 'http://[::ffff:169.254.169.254]'],
    ['169.254.169.254', 'http://2852039166'],
  ])('refuses the metadata address %s (%s) even when the stack lists it, for a stored (scheduled) plan too', async (listed, baseUrl) => {
    const d = deps({ ...FLEET, allowedHosts: [listed, `[${listed}]`, '::ffff:a9fe:a9fe', '127.0.0.1'] });
    await d.objects.put('plans/nightly.yaml', rateYaml(baseUrl, 10), 'text/yaml');
    for (const input of [{ plan: rateYaml(baseUrl, 10), runId: 'm' }, { planKey: 'plans/nightly.yaml', runId: 'm' }]) {
      const error = await planRun(input, d).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidPlanError);
      expect((error as Error).message).toMatch(/is a cloud metadata address \(where instance credentials live\): loadfleet never sends to it, even when listed in loadfleet.allowedHosts$/);
    }
    expect(await d.store.getRun('m')).toBeUndefined();
  });

  it('allows a link-local or private address only when the stack lists that address', async () => {
    const refused = await planRun({ plan: rateYaml('http://169.254.10.1', 10), runId: 'l' }, deps()).catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/^target host "169\.254\.10\.1" is not on the stack's allowlist \(api\.example\.test, 127\.0\.0\.1\) \(a link-local address\)\./);
    const d = deps({ ...FLEET, allowedHosts: ['169.254.10.1:8080'] });
    await expect(planRun({ plan: rateYaml('http://169.254.10.1:8080', 10), runId: 'l' }, d)).resolves.toMatchObject({ runId: 'l' });
    const otherPort = await planRun({ plan: rateYaml('http://169.254.10.1:9090', 10), runId: 'l2' }, d).catch((e: unknown) => e);
    expect(otherPort).toBeInstanceOf(InvalidPlanError);
  });

  it('refuses a templated baseUrl with its position and key (the origin cannot come from a template)', async () => {
    const error = await planRun({ plan: rateYaml('http://{{h}}@127.0.0.1:8080', 10), runId: 't' }, deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidPlanError);
    expect((error as Error).message).toContain('input.plan.yaml:4:20  target.baseUrl  baseUrl cannot hold a template ({{ }})');
  });

  it('keeps the progress loop within the execution history budget', () => {
    expect(pollSecondsFor(60_000)).toBe(5);
    expect(pollSecondsFor(3_600_000)).toBe(5);
    expect(pollSecondsFor(24 * 3_600_000)).toBe(44);
    expect(Math.ceil(7 * 24 * 3_600_000 / 1000 / pollSecondsFor(7 * 24 * 3_600_000)) * 6).toBeLessThan(25_000);
  });

  it('reads the deployment settings from the environment, naming a bad variable', () => {
    const env = { TABLE_NAME: 't', QUEUE_URL: 'q', BUCKET_NAME: 'b', ALLOWED_HOSTS: '["a.example"]', LIMITS: '{"maxRps":5,"maxDurationSeconds":60,"maxRequests":10}', WORKER_TIMEOUT_SECONDS: '300' };
    expect(fleetEnv(env)).toMatchObject({ allowedHosts: ['a.example'], limits: { maxRps: 5 }, workerTimeoutMs: 300_000 });
    expect(() => fleetEnv({ ...env, ALLOWED_HOSTS: 'a.example' })).toThrow(/ALLOWED_HOSTS: must be a JSON array/);
    expect(() => fleetEnv({ QUEUE_URL: 'q' })).toThrow(/TABLE_NAME/);
    expect(() => fleetEnv({ QUEUE_URL: 'q' })).toThrow(FleetConfigError);
    expect(() => fleetEnv({ QUEUE_URL: 'q' })).toThrow(expect.objectContaining({ code: 'FLEET_CONFIG_INVALID' }));
  });
});
