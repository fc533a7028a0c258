import { describe, expect, it } from '@jest/globals';
import { fingerprint, idempotencyKeys, parseIdempotencyKey } from './idempotency.js';

describe('Idempotency-Key', () => {
  it.each(['a', 'k'.repeat(128), '0b6f6c5e-8f0e-4d2c-9d43-6f1c2f0a7e51', '!~"{}:'])('accepts %j', (key) => {
    expect(parseIdempotencyKey(key)).toBe(key);
  });

  it('is optional', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
  });

  it.each([[''], ['k'.repeat(129)], ['a b'], ['tab\t'], ['clé'], [['a', 'b']]])('rejects %j with a 400', (key) => {
    expect(() => parseIdempotencyKey(key)).toThrow(/Idempotency-Key must be 1 to 128 visible ASCII characters/);
  });

  it('scopes keys per writer, and no writer is its own scope', () => {
    expect(idempotencyKeys('alice', 'k')).toEqual({
      record: 'journal:idempotency:alice:k',
      inFlight: 'journal:idempotency-in-flight:alice:k',
    });
    expect(idempotencyKeys(undefined, 'k').record).toBe('journal:idempotency::k');
    expect(idempotencyKeys('alice', 'k').record).not.toBe(idempotencyKeys('bob', 'k').record);
  });

  it('fingerprints have one length (the store cuts them off the stored record)', () => {
    expect(new Set(['', 'x', 'x'.repeat(10_000), '😀'].map((text) => fingerprint(text).length))).toEqual(new Set([44]));
    expect(fingerprint('a')).not.toBe(fingerprint('b'));
  });
});
