import { describe, expect, it } from '@jest/globals';
import { bearerCredentials } from './bearer.js';

describe('bearerCredentials', () => {
  it("takes the token of a Bearer header, whatever the scheme's case", () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER'])
      expect(bearerCredentials([`${scheme} abc-_.~+/9==`])).toEqual({ kind: 'token', token: 'abc-_.~+/9==' });
  });

  it('sees no credentials in no header or another scheme', () => {
    expect(bearerCredentials(undefined)).toEqual({ kind: 'none' });
    expect(bearerCredentials([])).toEqual({ kind: 'none' });
    expect(bearerCredentials(['Basic YWxpY2U6cHc='])).toEqual({ kind: 'none' });
  });

  it.each(['', 'Bearer', 'Bearer ', 'Bearer a b', 'Bearer a=b', 'Bearer ä', `Bearer ${'a'.repeat(257)}`])(
    'calls %j malformed',
    (header) => {
      expect(bearerCredentials([header]).kind).toBe('malformed');
    },
  );

  it('calls two headers malformed, even if both hold a token or neither does', () => {
    expect(bearerCredentials(['Bearer abc', 'Bearer def'])).toEqual({ kind: 'malformed', problem: 'send one Authorization header, not 2' });
    expect(bearerCredentials(['Basic YWxpY2U6cHc=', 'Basic YWxpY2U6cHc='])).toEqual({
      kind: 'malformed',
      problem: 'send one Authorization header, not 2',
    });
  });
});
