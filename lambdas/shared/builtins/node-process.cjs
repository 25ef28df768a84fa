/**
 * `node:process` for the Lambda bundles: FLEET_BUNDLING (lib/infra/functions.ts) aliases `node:process`
 * and `process` to this file.
 *
 * For an ES module import of `node:process` (the AWS SDK's user-agent code has two), Node builds the
 * module's namespace by reading every property of `process`, getters included:
 * `process.allowedNodeEnvironmentFlags` alone computes the set of every Node option (5 ms in a process
 * that loads nothing else). The global `process` is the same object, handed over without a namespace.
 *
 * CommonJS on purpose: `require('process')` (yaml's) gets `process` itself, an import gets it as its
 * default export, and esbuild reads named imports (`env`, `versions`) from it only when they are used.
 */
module.exports = process;
