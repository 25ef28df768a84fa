import { expect } from 'vitest';
import type { EchoTarget } from './echo-target.ts';

/** The secret the sentinel tests put in the environment; no output may ever contain it. */
export const SENTINEL = 'SENTINEL-7f3a9c2e';
/** The variable that holds it. */
export const SENTINEL_ENV = 'LF_SENTINEL';

/**
 * A plan that puts `${env:LF_SENTINEL}` everywhere a request carries data: the base URL's path, a
 * header, a path, a query and a JSON body; in lifecycle keys (a payload field) and in a poll condition
 * that never holds (so failure reasons quote it); captures the secret back from the target's echo into
 * a lifecycle variable that its cleanup sends (on AWS the cleanup runs in another invocation, from a
 * parked cursor, so the variable travels through the run table and the queue); and reads it back in a
 * verify step whose capture an expectation checks. Against an {@link EchoTarget} every lifecycle fails
 * its poll, then its cleanup closes the order.
 */
export function sentinelPlan(origin: string, opts: { verify?: boolean; count?: number } = {}): string {
  const env = `\${env:${SENTINEL_ENV}}`;
  const verify = opts.verify ?? true;
  return `kind: custom
name: sentinel
target:
  baseUrl: "${origin}/${env}"
  headers: { x-token: "${env}" }
  retry: { max: 0 }
  circuitBreaker: false
  maxConnections: 4
entity: { name: order, terminal: [closed] }
payloads:
  count: ${opts.count ?? 3}
  key: ref
  fields: { ref: "K-${env}-{{seq}}" }
requests:
  create: { method: POST, path: "/orders?q=${env}", body: { secret: "${env}", ref: "{{payload.ref}}" }, capture: { echoed: $.header }, state: created }
  details: { path: "/orders/${env}" }
  close: { method: POST, path: /close, body: { token: "{{echoed}}" }, state: closed }
${verify ? '  read: { path: /echo, capture: { echoed: $.header } }\n' : ''}lifecycle:
  - request: create
  - cleanup: [ { request: close } ]
  - poll: { request: details, until: { path: $.status, equals: "${env}" }, every: 5ms, maxAttempts: 2 }
load: { model: batches, batchSize: 1, parallel: 2 }
${verify ? `verify: [ { request: read } ]\nexpect:\n  - { verified: echoed, equals: "${env}" }\n` : ''}`;
}

/**
 * Asserts, from what the target received, that the sentinel was sent in a header, a path, a query and
 * a body for each of `lifecycles`, and that every cleanup sent the value its lifecycle had captured.
 */
export function expectSentinelSent(target: EchoTarget, lifecycles: number): void {
  const creates = target.received.filter((r) => r.url.startsWith(`/${SENTINEL}/orders?`));
  expect(creates).toHaveLength(lifecycles);
  for (const r of creates) {
    expect(r.method).toBe('POST');
    expect(r.headers['x-token']).toBe(SENTINEL);
    expect(r.url).toBe(`/${SENTINEL}/orders?q=${SENTINEL}`);
    expect(JSON.parse(r.body)).toMatchObject({ secret: SENTINEL });
  }
  expect(target.received.filter((r) => r.url === `/${SENTINEL}/orders/${SENTINEL}`)).toHaveLength(2 * lifecycles);
  const closes = target.received.filter((r) => r.url === `/${SENTINEL}/close`);
  expect(closes.map((r) => JSON.parse(r.body))).toEqual(Array.from({ length: lifecycles }, () => ({ token: SENTINEL })));
}

/** Asserts that no output (named, e.g. `stderr` or a file path) contains the sentinel, naming those that do. */
export function expectNoSentinel(outputs: Readonly<Record<string, string>>): void {
  const leaks = Object.entries(outputs)
    .filter(([, text]) => text.includes(SENTINEL) || text.includes(encodeURIComponent(SENTINEL)))
    .map(([name, text]) => `${name}: ...${text.slice(Math.max(0, text.indexOf(SENTINEL) - 60), text.indexOf(SENTINEL) + 40)}...`);
  expect(leaks).toEqual([]);
  expect(Object.keys(outputs).length).toBeGreaterThan(0);
}
