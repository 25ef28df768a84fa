import { describe, expect, it } from 'vitest';
import { classifyUndiciError, errorDetail, toTransportError } from '../../../lib/adapters/http/undici-errors.ts';
import { HttpTransportError } from '../../../lib/core/errors.ts';

/** An Error carrying a `code`, like undici's and Node's. */
function coded(code: string, name = 'Error'): Error {
  return Object.assign(new Error(`boom ${code}`), { code, name });
}

describe('Function: classifyUndiciError', () => {
  describe('HAPPY PATH', () => {
    it.each([
      { code: 'ECONNREFUSED', want: 'connect' },
      { code: 'ENOTFOUND', want: 'connect' },
      { code: 'EHOSTUNREACH', want: 'connect' },
      { code: 'UND_ERR_CONNECT_TIMEOUT', want: 'connect' },
      { code: 'UND_ERR_HEADERS_TIMEOUT', want: 'timeout' },
      { code: 'UND_ERR_BODY_TIMEOUT', want: 'timeout' },
      { code: 'UND_ERR_SOCKET', want: 'network' },
      { code: 'ECONNRESET', want: 'network' },
      { code: 'UND_ERR_CLOSED', want: 'network' },
      { code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE', want: 'invalid-response' },
      { code: 'UND_ERR_HEADERS_OVERFLOW', want: 'invalid-response' },
      { code: 'HPE_INVALID_CONSTANT', want: 'invalid-response' },
      { code: 'UND_ERR_ABORTED', want: 'aborted' },
      { code: 'UND_ERR_INVALID_ARG', want: 'invalid-request' },
    ])('maps $code to $want', ({ code, want }) => {
      expect(classifyUndiciError(coded(code))).toBe(want);
    });

    it('maps an HTTPParserError without a code to invalid-response', () => {
      const err = new Error('Response does not match the HTTP/1.1 protocol');
      err.name = 'HTTPParserError';
      expect(classifyUndiciError(err)).toBe('invalid-response');
    });

    it('uses the first inner error of an AggregateError (autoSelectFamily)', () => {
      expect(classifyUndiciError(new AggregateError([coded('ECONNREFUSED'), coded('ENETUNREACH')]))).toBe('connect');
    });

    it('keeps the kind of an HttpTransportError', () => {
      expect(classifyUndiciError(new HttpTransportError('timeout', 't'))).toBe('timeout');
    });
  });

  describe('SAD PATH', () => {
    it.each([
      { name: 'an unknown code', err: coded('E_WHATEVER') },
      { name: 'a plain Error', err: new Error('?') },
      { name: 'a non-error value', err: 'string thrown' },
      { name: 'null', err: null },
    ])('falls back to network for $name', ({ err }) => {
      expect(classifyUndiciError(err)).toBe('network');
    });
  });
});

describe('Function: toTransportError', () => {
  it('wraps with the kind, the code in the message and the original as cause', () => {
    const cause = coded('ECONNREFUSED');
    const err = toTransportError(cause);
    expect(err).toBeInstanceOf(HttpTransportError);
    expect(err).toMatchObject({ kind: 'connect', code: 'HTTP_CONNECT', message: 'connect: ECONNREFUSED boom ECONNREFUSED' });
    expect(err.cause).toBe(cause);
  });

  it('returns an HttpTransportError of the same kind unchanged', () => {
    const err = new HttpTransportError('invalid-response', 'too big');
    expect(toTransportError(err)).toBe(err);
  });
});

describe('Function: errorDetail', () => {
  it('names the code and the address of a socket error, from its fields', () => {
    // Prepare: errors as Node raises them (net and dns set code, syscall, address, port, hostname)
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', syscall: 'connect', address: '127.0.0.1', port: 1 });
    const v6 = Object.assign(new Error('connect ETIMEDOUT ::1:8080'), { code: 'ETIMEDOUT', address: '::1', port: 8080 });
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND shop.test'), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: 'shop.test' });

    // Act / Assess
    expect(errorDetail(refused)).toBe('ECONNREFUSED 127.0.0.1:1');
    expect(errorDetail(v6)).toBe('ETIMEDOUT [::1]:8080');
    expect(errorDetail(dns)).toBe('ENOTFOUND shop.test');
    expect(errorDetail(coded('UND_ERR_SOCKET'))).toBe('UND_ERR_SOCKET');
    expect(toTransportError(refused).detail).toBe('ECONNREFUSED 127.0.0.1:1');
  });

  it('speaks through the first error of an AggregateError (every address of a name tried), and says nothing without a code', () => {
    const first = Object.assign(new Error('connect ECONNREFUSED ::1:8080'), { code: 'ECONNREFUSED', address: '::1', port: 8080 });
    const second = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 8080 });
    expect(errorDetail(new AggregateError([first, second]))).toBe('ECONNREFUSED [::1]:8080');
    expect(errorDetail(new Error('no code'))).toBeUndefined();
    expect(errorDetail('a string')).toBeUndefined();
  });
});
