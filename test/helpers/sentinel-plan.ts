import { expect } from 'vitest';
import type { EchoTarget } from './echo-target.ts';

/** The secret the sentinel tests put in the environment; no output may ever contain it. */
export const SENTINEL = 'SENTINEL-7f3a9c2e';
/** The variable that holds it. */
export const SENTINEL_ENV = 'LF_SENTINEL';

/**
 * A plan that puts `${env:LF_SENTINEL}` everywhere a request carries data: the base URL's path, a
 * header, a path, a query and a JSON body; in lifecycle keys (a payload field) and in a poll condition
 * that never holds (so failure reasons and non-terminal entries quote it); and reads it back in a
 * verify step whose capture an expectation checks. Against an {@link EchoTarget} every lifecycle fails
 * its poll and stays `created` (non-terminal), and verify captures the secret from the echo.
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
  create: { method: POST, path: "/orders?q=${env}", body: { secret: "${env}", ref: "{{payload.ref}}" }, state: created }
  details: { path: "/orders/${env}" }
${verify ? '  read: { path: /echo, capture: { echoed: $.header } }\n' : ''}lifecycle:
  - request: create
  - poll: { request: details, until: { path: $.status, equals: "${env}" }, every: 5ms, maxAttempts: 2 }
load: { model: batches, batchSize: 1, parallel: 2 }
${verify ? `verify: [ { request: read } ]\nexpect:\n  - { verified: echoed, equals: "${env}" }\n` : ''}`;
}

/** Asserts that the target received the sentinel in a header, a path, a query and a body (it was sent). */
export function expectSentinelSent(target: EchoTarget): void {
  const creates = target.received.filter((r) => r.method === 'POST');
  expect(creates.length).toBeGreaterThan(0);
  for (const r of creates) {
    expect(r.headers['x-token']).toBe(SENTINEL);
    expect(r.url).toBe(`/${SENTINEL}/orders?q=${SENTINEL}`);
    expect(JSON.parse(r.body)).toMatchObject({ secret: SENTINEL });
  }
  expect(target.received.some((r) => r.url === `/${SENTINEL}/orders/${SENTINEL}`)).toBe(true);
}

/** Asserts that no output (named, e.g. `stderr` or a file path) contains the sentinel, naming those that do. */
export function expectNoSentinel(outputs: Readonly<Record<string, string>>): void {
  const leaks = Object.entries(outputs)
    .filter(([, text]) => text.includes(SENTINEL) || text.includes(encodeURIComponent(SENTINEL)))
    .map(([name, text]) => `${name}: ...${text.slice(Math.max(0, text.indexOf(SENTINEL) - 60), text.indexOf(SENTINEL) + 40)}...`);
  expect(leaks).toEqual([]);
  expect(Object.keys(outputs).length).toBeGreaterThan(0);
}
