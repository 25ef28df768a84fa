import { describe, expect, it } from 'vitest';
import { json, Router } from '../../lib/target/router.ts';
import type { Route } from '../../lib/target/router.ts';

const route = (method: Route['method'], path: string): Route => ({ method, path, handle: () => json(200, { path }) });

describe('Router', () => {
  const router = new Router([route('POST', '/coupons'), route('POST', '/coupons/claim'), route('GET', '/coupons/:name'), route('GET', '/a/:x/b/:y')]);

  it('matches exact paths with no params', () => {
    expect(router.match('POST', '/coupons/claim')).toMatchObject({ kind: 'found', route: { path: '/coupons/claim' }, params: {} });
  });

  it('matches :param segments and URL-decodes them', () => {
    expect(router.match('GET', '/coupons/FLASH%20TEST')).toMatchObject({ kind: 'found', route: { path: '/coupons/:name' }, params: { name: 'FLASH TEST' } });
    expect(router.match('GET', '/a/1/b/2')).toMatchObject({ kind: 'found', params: { x: '1', y: '2' } });
  });

  it('lets a param match a literal-looking segment only for its own method', () => {
    expect(router.match('GET', '/coupons/claim')).toMatchObject({ kind: 'found', route: { path: '/coupons/:name' }, params: { name: 'claim' } });
  });

  it('refuses empty segments, extra segments and malformed escapes', () => {
    expect(router.match('GET', '/coupons/')).toEqual({ kind: 'not-found' });
    expect(router.match('GET', '/coupons/x/y')).toEqual({ kind: 'not-found' });
    expect(router.match('GET', '/coupons/%E0%A4%A')).toEqual({ kind: 'not-found' });
  });

  it('does not serve a pattern route for its literal pattern text without params', () => {
    // '/coupons/:name' requested literally is just a coupon named ':name'.
    expect(router.match('GET', '/coupons/:name')).toMatchObject({ kind: 'found', params: { name: ':name' } });
  });

  it('answers method-not-allowed with the methods of exact and pattern routes', () => {
    expect(router.match('DELETE', '/coupons/claim')).toEqual({ kind: 'method-not-allowed', allow: ['POST', 'GET'] });
    expect(router.match('POST', '/coupons/x')).toEqual({ kind: 'method-not-allowed', allow: ['GET'] });
  });

  it('refuses duplicate routes, patterns included', () => {
    expect(() => new Router([route('GET', '/x/:a'), route('GET', '/x/:a')])).toThrow(/duplicate route: GET \/x\/:a/);
  });
});
