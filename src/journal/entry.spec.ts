import { describe, expect, it } from '@jest/globals';
import { countCodePoints } from './entry.contract.js';
import { newEntrySchema, pageSchema, parseId } from './entry.js';

const message = (schema: typeof newEntrySchema | typeof pageSchema, value: unknown) =>
  schema
    .safeParse(value)
    .error?.issues.map((issue) => issue.message)
    .join('; ');

describe('newEntrySchema', () => {
  it('accepts text up to 10,000 code points', () => {
    expect(newEntrySchema.parse({ text: '👍'.repeat(10_000) }).text).toHaveLength(20_000);
    expect(message(newEntrySchema, { text: '👍'.repeat(10_001) })).toBe('text must be at most 10000 characters, got 10001');
  });

  it.each([
    [{}, 'text is required'],
    [{ text: 1 }, 'text must be a string'],
    [{ text: '\n \t' }, 'text must not be blank'],
    [{ text: 'a\ud800' }, 'text must be valid Unicode (it has a lone surrogate)'],
    [{ text: 'a', id: '3', createdAt: 'x' }, 'unknown fields "id", "createdAt": only "text" is accepted'],
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

describe('parseId and countCodePoints', () => {
  it('accepts only safe positive integers', () => {
    expect(parseId('17')).toBe(17);
    expect(parseId('9007199254740991')).toBe(9007199254740991);
    for (const bad of ['0', '017', '-1', '1.0', 'abc', '9007199254740993', '']) expect(parseId(bad)).toBeUndefined();
  });

  it('counts emoji and combining-free CJK as one each', () => {
    expect(countCodePoints('a😀中')).toBe(3);
  });
});
