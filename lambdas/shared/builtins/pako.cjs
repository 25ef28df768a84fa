/**
 * `pako` for the Lambda bundles: FLEET_BUNDLING (lib/infra/functions.ts) aliases `pako` to this file.
 *
 * hdr-histogram-js requires pako when it loads, but compresses histograms with Node's own zlib
 * (`require("zlib").deflateSync`) and falls back to pako only where zlib is missing, in a browser.
 * In Node it never is, so the bundles leave pako's 47 KB out (about 19 ms of the worker's cold start
 * to parse and run); should the fallback ever be reached, this says why instead of failing obscurely.
 */
const unavailable = () => {
  throw new Error('pako is not bundled: hdr-histogram-js compresses with node:zlib in Node');
};
module.exports = { deflate: unavailable, inflate: unavailable };
