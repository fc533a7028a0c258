import { describe, expect, it } from '@jest/globals';
import { countCodePoints } from './entry.contract.js';
import { newEntrySchema, pageSchema } from './entry.js';

const message = (schema: typeof newEntrySchema | typeof pageSchema, value: unknown) =>
  schema
    .safeParse(value)
    .error?.issues.map((issue) => issue.message)
    .join('; ');

describe('newEntrySchema', () => {
  it('accepts a visible character next to invisible ones', () => {
    for (const text of ['\u200ba', '❤\ufe0f', '\u00a0.', '👍\u200d']) expect(newEntrySchema.parse({ text }).text).toBe(text);
  });

  it('accepts text up to 10,000 code points', () => {
    expect(newEntrySchema.parse({ text: '👍'.repeat(10_000) }).text).toHaveLength(20_000);
    expect(message(newEntrySchema, { text: '👍'.repeat(10_001) })).toBe('text must be at most 10000 characters, got 10001');
  });

  it.each([
    [{}, 'text is required'],
    [{ text: 1 }, 'text must be a string'],
    [{ text: '\n \t' }, 'text must not be blank'],
    ...['\u200b', '\u2060', '\u200b\ufeff', '\ufe0f', '\u{e0100}', ' \u200b\u200c\u200d\u00ad\n', '\u3164'].map(
      (text): [unknown, string] => [
        { text },
        'text must not be blank: it has only invisible characters (such as zero-width spaces), no visible one',
      ],
    ),
    [{ text: 'a\ud800' }, 'text must be valid Unicode (it has a lone surrogate)'],
    [{ text: 'a', id: '3', createdAt: 'x' }, 'unknown fields "id", "createdAt": only "text" and "private" are accepted'],
    ['text', 'the body must be a JSON object like {"text": "..."}'],
  ])('rejects %j: %s', (body, expected) => {
    expect(message(newEntrySchema, body)).toBe(expected);
  });
});

describe('pageSchema', () => {
  it('defaults to 1 and parses digits', () => {
    expect(pageSchema.parse(undefined)).toBe(1);
    expect(pageSchema.parse('42')).toBe(42);
    expect(pageSchema.parse('1000000000')).toBe(1_000_000_000);
  });

  it.each(['0', '01', '-1', '1.5', 'abc', '', '1000000001'])('rejects %j', (value) => {
    expect(message(pageSchema, value)).toBe(`page must be a whole number from 1 to 1000000000, got ${JSON.stringify(value)}`);
  });

  it('rejects a repeated page', () => {
    expect(message(pageSchema, ['1', '2'])).toBe('page must be given once');
  });
});

describe('countCodePoints', () => {
  it('counts emoji and combining-free CJK as one each', () => {
    expect(countCodePoints('a😀中')).toBe(3);
  });

  it('counts each code point of a joined emoji, though it shows as one', () => {
    expect(countCodePoints('👍🏽')).toBe(2); // with a skin tone
    expect(countCodePoints('👩‍💻')).toBe(3); // joined with U+200D
    expect(countCodePoints('🇫🇷')).toBe(2); // a flag: two regional indicators
  });
});
