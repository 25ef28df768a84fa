import * as undici from 'undici';
import { describe, expect, it } from 'vitest';
import { buildConnector, Client, errors } from '../../../lib/adapters/http/undici-parts.ts';

describe('undici-parts', () => {
  it('are the very values undici exports (same classes, so instanceof and error codes agree)', () => {
    expect(Client).toBe(undici.Client);
    expect(buildConnector).toBe(undici.buildConnector);
    expect(errors).toBe(undici.errors);
    expect(new errors.ClientClosedError()).toBeInstanceOf(undici.errors.UndiciError);
  });
});
