/**
 * A Node preload (`node --import ./unresolvable-name.mjs`) for tests of DNS failures: every lookup of
 * the name in LOADFLEET_TEST_UNRESOLVABLE fails with ENOTFOUND, as getaddrinfo reports an unknown
 * name, without asking any resolver. Other names resolve as usual. Net and undici call `dns.lookup`
 * through the module object, so replacing it there reaches every connection of the process.
 */
import dns from 'node:dns';

const name = process.env.LOADFLEET_TEST_UNRESOLVABLE;
const notFound = (hostname) => Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', errno: -3008, syscall: 'getaddrinfo', hostname });

if (name) {
  const lookup = dns.lookup;
  dns.lookup = function (hostname, options, callback) {
    if (hostname !== name) return lookup.apply(this, arguments);
    process.nextTick(typeof options === 'function' ? options : callback, notFound(hostname));
    return {};
  };
  const lookupAsync = dns.promises.lookup;
  dns.promises.lookup = (hostname, options) => (hostname === name ? Promise.reject(notFound(hostname)) : lookupAsync(hostname, options));
}
