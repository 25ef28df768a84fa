/**
 * Misbehaving endpoints for testing a client's defences: a slow response, a slowloris body, and a
 * body that claims to be JSON but is not. All of them stop when the client or the target goes away.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { json } from './router.ts';
import type { JsonReply, Route } from './router.ts';

/** `MAX_HAZARD_MS` bounds `ms` on `/_slow` and `/_drip` (10 minutes), so no request can pin the target forever. */
export const MAX_HAZARD_MS = 600_000;

/** `DRIP_MAX_DURATION_MS` is how long `/_drip` keeps dripping before it ends the body on its own (1 hour). */
export const DRIP_MAX_DURATION_MS = 3_600_000;

/** `GARBAGE_BODY` is what `/_garbage` sends: truncated JSON, the most common real-world garbage. */
export const GARBAGE_BODY = '{"orderId": "ord_0000';

/**
 * `hazardRoutes` builds:
 * - `GET /_slow?ms=N` -> 200 `{ sleptMs: N }` after N ms;
 * - `GET /_drip?ms=N` -> 200 whose body is one byte every N ms (default 1000), until the client or the
 *   target closes (or an hour passes): a slowloris response;
 * - `GET /_garbage` -> 200, `content-type: application/json`, a body that is not JSON.
 */
export function hazardRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: '/_slow',
      handle: async ({ query, signal }) => {
        const ms = parseMs(query.get('ms'), 0);
        if (ms === undefined) return badMs();
        await sleep(ms, undefined, { signal });
        return json(200, { sleptMs: ms });
      },
    },
    {
      method: 'GET',
      path: '/_drip',
      handle: ({ query }) => {
        const ms = parseMs(query.get('ms'), 1000);
        if (ms === undefined || ms === 0) return badMs();
        return {
          status: 200,
          headers: { 'content-type': 'text/plain' },
          write: async (res, signal) => {
            const deadline = Date.now() + DRIP_MAX_DURATION_MS;
            try {
              while (!signal.aborted && Date.now() < deadline) {
                res.write('.');
                await sleep(ms, undefined, { signal });
              }
            } catch (error) {
              if (!signal.aborted) throw error; // an abort is the normal end of a drip
            }
          },
        };
      },
    },
    {
      method: 'GET',
      path: '/_garbage',
      handle: () => ({ status: 200, text: GARBAGE_BODY, headers: { 'content-type': 'application/json' } }),
    },
  ];
}

function parseMs(raw: string | null, fallback: number): number | undefined {
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw)) return undefined;
  const ms = Number(raw);
  return ms <= MAX_HAZARD_MS ? ms : undefined;
}

function badMs(): JsonReply {
  return json(400, { error: 'invalid ms', expected: `whole milliseconds up to ${MAX_HAZARD_MS} (at least 1 for /_drip)` });
}
