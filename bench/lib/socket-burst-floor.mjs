/**
 * The burst bench's floor: what one Node process on one core needs to put N requests on N open
 * sockets, with nothing else in the way. Plain JavaScript (no tsx, no loadfleet, no undici): it opens N
 * `net` connections to URL's host, builds one `GET` request as a Buffer, writes it once on a socket
 * that is not measured (so the write path runs warm), then, in one synchronous loop, writes it on each
 * of the N sockets, reading the clock before each write. The skew is the last of those times minus the
 * first, the same measure as loadfleet's `starts.skewMs` (a send = the request handed over, here to the
 * socket, whose write goes to the kernel at once). Then it reads every response (a status line each)
 * and closes the sockets.
 *
 *   node bench/lib/socket-burst-floor.mjs URL N
 *
 * Prints one JSON line: { count, skewMs, responses }.
 */
import { connect } from 'node:net';

const [url, total] = process.argv.slice(2);
if (!url || !total) throw new Error('usage: node bench/lib/socket-burst-floor.mjs URL N');
const target = new URL(url);
const count = Number(total);
const request = Buffer.from(`GET ${target.pathname}${target.search} HTTP/1.1\r\nhost: ${target.host}\r\n\r\n`, 'latin1');

/** Opens one connection; resolves once connected. */
const open = () => new Promise((resolve, reject) => {
  const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
  socket.once('connect', () => resolve(socket));
  socket.once('error', reject);
});

/** Resolves when `socket` has received one HTTP status line. */
const answered = (socket) => new Promise((resolve) => {
  let seen = '';
  const onData = (chunk) => {
    seen += chunk.toString('latin1');
    if (seen.includes('\r\n')) {
      socket.off('data', onData);
      resolve(seen.startsWith('HTTP/1.1 2'));
    }
  };
  socket.on('data', onData);
});

const warm = await open();
const sockets = [];
for (let i = 0; i < count; i++) sockets.push(await open());
// Warm the write path on a socket the burst does not use.
for (let i = 0; i < 3; i++) {
  const reply = answered(warm);
  warm.write(request);
  await reply;
}
const replies = sockets.map(answered);
const times = new Float64Array(count);
for (let i = 0; i < count; i++) {
  times[i] = performance.now();
  sockets[i].write(request);
}
const ok = (await Promise.all(replies)).filter(Boolean).length;
for (const socket of [warm, ...sockets]) socket.destroy();
process.stdout.write(`${JSON.stringify({ count, skewMs: times[count - 1] - times[0], responses: ok })}\n`);
