/**
 * The memory bench's floor: a bare undici request loop, plain JavaScript (no tsx, no loadfleet), that
 * sends N GETs to URL, at most `inFlight` at a time over `connections` sockets, and reads each body.
 * It is what Node and undici alone cost for the requests a loadfleet run sent, so the memory bench can
 * tell loadfleet's share of a peak RSS from the runtime's.
 *
 *   node bench/lib/undici-floor.mjs URL N [connections=64] [inFlight=100]
 *
 * Prints one JSON line: { requests, errors }.
 */
import { Pool } from 'undici';

const [url, total, connections = '64', inFlight = '100'] = process.argv.slice(2);
if (!url || !total) throw new Error('usage: node bench/lib/undici-floor.mjs URL N [connections] [inFlight]');
const n = Number(total);
const pool = new Pool(new URL(url).origin, { connections: Number(connections) });
let sent = 0;
let errors = 0;
const loop = async () => {
  while (sent < n) {
    sent++;
    try {
      const { body } = await pool.request({ path: '/', method: 'GET' });
      await body.dump();
    } catch {
      errors++;
    }
  }
};
await Promise.all(Array.from({ length: Number(inFlight) }, loop));
await pool.close();
process.stdout.write(`${JSON.stringify({ requests: sent, errors })}\n`);
