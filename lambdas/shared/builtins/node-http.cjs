/**
 * `node:http` for the Lambda bundles: FLEET_BUNDLING (lib/infra/functions.ts) aliases `node:http` and `http`
 * to this file.
 *
 * esbuild keeps a dependency's `import ... from 'node:http'` as an ES module import (the AWS SDK's
 * instance-metadata credential provider and middy have one). For that, Node builds an ES module namespace
 * of `node:http`, reading every export, including the lazy `WebSocket`, `CloseEvent` and `MessageEvent`
 * getters, which load Node's own copy of undici (nodejs/node#59686) for classes no function uses: about
 * 10 ms of the worker's cold start, 40 ms in a process that loads nothing else.
 * `process.getBuiltinModule` returns the very same module object without a namespace.
 *
 * CommonJS on purpose: `require('node:http')` (undici's) gets the module object itself, an import gets it
 * as its default export, and esbuild reads a named import (`STATUS_CODES`) from it when it is used, never
 * the getters it is not.
 */
module.exports = process.getBuiltinModule('node:http');
