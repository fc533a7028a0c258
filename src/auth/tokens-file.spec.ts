import { describe, expect, it } from '@jest/globals';
import { parseTokensFile } from './tokens-file.js';

const hex = (c: string) => c.repeat(64);

describe('parseTokensFile', () => {
  it('reads name and digest per line, skipping comments and blank lines; a name may have several lines', () => {
    const tokens = parseTokensFile(
      `# writers\n\nalice sha256:${hex('a')}\n  alice\tsha256:${hex('B')}  \r\nops@example.com sha256:${hex('c')}\n`,
    );
    expect(tokens.map((t) => [t.name, t.digest.toString('hex')])).toEqual([
      ['alice', hex('a')],
      ['alice', hex('b')],
      ['ops@example.com', hex('c')],
    ]);
  });

  it('accepts a file with no token (nobody may write)', () => {
    expect(parseTokensFile('# nobody yet\n')).toEqual([]);
  });

  it.each([
    [`alice ${hex('a')}`, 'line 1 is not "<name> sha256:<64 hex digits>"'],
    [`alice sha256:${'a'.repeat(63)}`, 'line 1 is not "<name> sha256:<64 hex digits>"'],
    [`alice sha512:${hex('a')}`, 'line 1 is not "<name> sha256:<64 hex digits>"'],
    [`# ok\nal/ice sha256:${hex('a')}`, 'line 2: the name must be 1-64 letters, digits or . _ @ -'],
    [`${'a'.repeat(65)} sha256:${hex('a')}`, 'line 1: the name must be 1-64 letters, digits or . _ @ -'],
    [`alice sha256:${hex('a')}\nbob sha256:${hex('A')}`, 'line 2 has the same digest as line 1'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parseTokensFile(text)).toThrow(message);
  });
});
