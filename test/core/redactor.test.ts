import { describe, expect, it } from 'vitest';
import { MASK, Redactor } from '../../lib/core/redactor.ts';

const SENTINEL = 'SENTINEL-7f3a9c2e';

describe('Class: Redactor', () => {
  describe('Method: text', () => {
    it('masks every occurrence of a secret', () => {
      // Prepare
      const redactor = new Redactor([SENTINEL]);

      // Act
      const text = redactor.text(`against http://127.0.0.1:37357/${SENTINEL} (${SENTINEL})`);

      // Assess
      expect(text).toBe('against http://127.0.0.1:37357/*** (***)');
    });

    it('masks the spellings a secret takes in JSON strings and in URLs', () => {
      // Prepare: a value with a quote, a backslash and a space
      const secret = 'pa"ss\\word 42';
      const redactor = new Redactor([secret]);

      // Act
      const quoted = redactor.text(`invalid duration ${JSON.stringify(secret)}: use ...`);
      const encoded = redactor.text(`GET /p/${encodeURIComponent(secret)}?q=1`);

      // Assess
      expect(quoted).toBe('invalid duration "***": use ...');
      expect(encoded).toBe('GET /p/***?q=1');
    });

    it('hides secrets that overlap or contain one another whole', () => {
      // Prepare
      const redactor = new Redactor(['abcd', 'cdefgh', 'xx-abcd-yy']);

      // Act + Assess: the union of every match is masked once
      expect(redactor.text('1 abcdefgh 2')).toBe('1 *** 2');
      expect(redactor.text('xx-abcd-yy and abcdabcd')).toBe('*** and ***');
    });

    it('leaves values shorter than 4 characters and text without secrets alone', () => {
      // Prepare
      const redactor = new Redactor(['123', 'on', '', 's3cr3t']);

      // Act + Assess
      expect(redactor.text('pin=123 on=yes token=s3cr3t')).toBe(`pin=123 on=yes token=${MASK}`);
      expect(redactor.text('nothing here')).toBe('nothing here');
      expect(new Redactor(['abc']).active).toBe(false);
      expect(Redactor.none.text(SENTINEL)).toBe(SENTINEL);
    });
  });

  describe('Method: value', () => {
    it('masks strings and keys at any depth, adding up counts whose keys merge', () => {
      // Prepare: a report-like value; two failure reasons differ only by the secret
      const redactor = new Redactor(['tok-AAAA', 'tok-BBBB']);
      const report = {
        verified: { echoed: 'tok-AAAA', n: 3 },
        lifecycles: { reasons: { 'create: tok-AAAA': 2, 'create: tok-BBBB': 5, 'poll: timeout': 1 } },
        notes: ['setup failed: tok-BBBB'],
        flag: true,
        nothing: null,
      };

      // Act
      const shown = redactor.value(report);

      // Assess
      expect(shown).toEqual({
        verified: { echoed: '***', n: 3 },
        lifecycles: { reasons: { 'create: ***': 7, 'poll: timeout': 1 } },
        notes: ['setup failed: ***'],
        flag: true,
        nothing: null,
      });
      expect(report.verified.echoed).toBe('tok-AAAA');
    });

    it('copies values under skipped keys untouched, keeps "__proto__" a key, and survives cycles', () => {
      // Prepare
      const redactor = new Redactor(['AAAA']);
      const data = JSON.parse('{"histogram":"HISTAAAA","__proto__":{"k":"AAAA"},"list":[]}') as Record<string, unknown>;
      (data.list as unknown[]).push(data);

      // Act
      const shown = redactor.value(data, new Set(['histogram']));

      // Assess
      expect(shown.histogram).toBe('HISTAAAA');
      expect(Object.getPrototypeOf(shown)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(shown, '__proto__')?.value).toEqual({ k: '***' });
      expect((shown.list as unknown[])[0]).toBe(shown);
    });

    it('returns its input itself when there is nothing to hide', () => {
      const data = { a: 'b' };
      expect(Redactor.none.value(data)).toBe(data);
    });
  });

  describe('Method: event', () => {
    it('masks the free-text fields of a lifecycle event', () => {
      // Prepare
      const redactor = new Redactor([SENTINEL]);

      // Act
      const event = redactor.event({ at: 1, unitId: 'u', index: 0, key: `K-${SENTINEL}`, type: 'failed', request: 'create', status: 500, reason: `create: ${SENTINEL}` });

      // Assess
      expect(event).toEqual({ at: 1, unitId: 'u', index: 0, key: 'K-***', type: 'failed', request: 'create', status: 500, from: undefined, to: undefined, errorKind: undefined, reason: 'create: ***' });
    });
  });
});
