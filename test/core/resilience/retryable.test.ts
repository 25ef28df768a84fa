import { describe, expect, it } from 'vitest';
import { isRetryable, type RetryOutcome } from '../../../lib/core/resilience/retryable.ts';

describe('Function: isRetryable', () => {
  describe('HAPPY PATH: retried', () => {
    it.each<{ name: string; outcome: RetryOutcome }>([
      { name: 'timeout', outcome: { errorKind: 'timeout' } },
      { name: 'connect', outcome: { errorKind: 'connect' } },
      { name: 'network', outcome: { errorKind: 'network' } },
      { name: 'circuit-open', outcome: { errorKind: 'circuit-open' } },
      { name: 'http5xx 503', outcome: { status: 503, errorKind: 'http5xx' } },
      { name: 'http5xx without a status', outcome: { errorKind: 'http5xx' } },
      { name: 'http4xx 429', outcome: { status: 429, errorKind: 'http4xx' } },
      { name: 'unclassified 500', outcome: { status: 500 } },
      { name: 'unclassified 599', outcome: { status: 599 } },
      { name: 'unclassified 429', outcome: { status: 429 } },
    ])('$name is retryable', ({ outcome }) => {
      expect(isRetryable(outcome)).toBe(true);
    });
  });

  describe('SAD PATH: not retried', () => {
    it.each<{ name: string; outcome: RetryOutcome }>([
      { name: 'http4xx 400', outcome: { status: 400, errorKind: 'http4xx' } },
      { name: 'http4xx 404', outcome: { status: 404, errorKind: 'http4xx' } },
      { name: 'http4xx 409', outcome: { status: 409, errorKind: 'http4xx' } },
      { name: 'http4xx without a status', outcome: { errorKind: 'http4xx' } },
      { name: 'invalid-response', outcome: { status: 200, errorKind: 'invalid-response' } },
      { name: 'invalid-response even on a 503', outcome: { status: 503, errorKind: 'invalid-response' } },
      { name: 'unexpected-status', outcome: { status: 302, errorKind: 'unexpected-status' } },
      { name: 'invalid-request (refused before sending: it would render the same again)', outcome: { errorKind: 'invalid-request' } },
      { name: 'aborted', outcome: { errorKind: 'aborted' } },
      { name: 'success 200', outcome: { status: 200 } },
      { name: 'success 204', outcome: { status: 204 } },
      { name: 'unclassified 404', outcome: { status: 404 } },
      { name: 'unclassified 600', outcome: { status: 600 } },
      { name: 'empty outcome', outcome: {} },
    ])('$name is not retryable', ({ outcome }) => {
      expect(isRetryable(outcome)).toBe(false);
    });
  });
});
