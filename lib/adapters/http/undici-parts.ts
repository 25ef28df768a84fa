/**
 * The parts of undici our HTTP client uses: `Client` (one socket), `buildConnector` and `errors`, taken
 * from the files that define them instead of from undici's entry point. The entry point loads all of
 * undici (fetch, WebSocket, EventSource, cache stores, mock agents, the global dispatcher), about 0.3 MB
 * of bundled code that every process importing it parses and runs at start, and which a load generator
 * sending through `Client.dispatch` never calls. undici has no `exports` map, so these paths resolve the
 * same under Node, tsx and esbuild; their types are the public ones (undici-internals.d.ts), and
 * test/adapters/http checks that they are the very values the entry point exports.
 *
 * One difference from importing 'undici': its entry also mixes the convenience API (`request`, `stream`,
 * ...) into `Dispatcher.prototype`. Nothing here calls it; code that wants it imports 'undici' itself.
 */
import Client from 'undici/lib/dispatcher/client.js';
import buildConnector from 'undici/lib/core/connect.js';
import errors from 'undici/lib/core/errors.js';

export type { Dispatcher } from 'undici';
export { buildConnector, Client, errors };
