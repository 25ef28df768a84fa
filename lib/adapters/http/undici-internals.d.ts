/**
 * Types for the three undici files lib/adapters/http/undici-parts.ts imports directly. undici publishes
 * types only for its entry point; these say each file's `module.exports` is the value undici's entry
 * re-exports under that name, so the deep imports carry the public types (class, namespace and all).
 */
declare module 'undici/lib/dispatcher/client.js' {
  import { Client } from 'undici';
  export default Client;
}

declare module 'undici/lib/core/connect.js' {
  import { buildConnector } from 'undici';
  export default buildConnector;
}

declare module 'undici/lib/core/errors.js' {
  import { errors } from 'undici';
  export default errors;
}
