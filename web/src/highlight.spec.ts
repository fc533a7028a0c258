import { describe, expect, it } from '@jest/globals';
import { matchRanges, searchTerms, type SearchTerms } from './highlight.js';

/** The matched words of `text`, as the reader sees them. */
const marked = (text: string, q: string) => matchRanges(text, searchTerms(q) as SearchTerms).map(([a, b]) => text.slice(a, b));

describe('searchTerms', () => {
  it('takes the words as the API does: folded, distinct, the last one as a prefix', () => {
    expect(searchTerms('Walk  the BEACH')).toEqual({ words: ['walk', 'the'], prefix: 'beach' });
    expect(searchTerms('café walk café')).toEqual({ words: ['cafe'], prefix: 'walk' });
    expect(searchTerms('bea')).toEqual({ words: [], prefix: 'bea' });
  });

  it('has none for a query without letters or digits (the API answers the plain list)', () => {
    expect(searchTerms('')).toBeUndefined();
    expect(searchTerms(' !? — ')).toBeUndefined();
  });
});

describe('matchRanges', () => {
  it('marks whole words, and words starting with the last one', () => {
    expect(marked('A walk on the beach; walking back, beaches.', 'walk bea')).toEqual(['walk', 'beach', 'beaches']);
    // "walking" is not the whole word "walk" (only the last word is a prefix).
    expect(marked('walking', 'walk bea')).toEqual([]);
  });

  it('ignores case and accents, marking the characters as written', () => {
    expect(marked('Un CAFÉ à Zürich', 'cafe zur')).toEqual(['CAFÉ', 'Zürich']);
    expect(marked('ÉCOLE, école, ecole', 'école')).toEqual(['ÉCOLE', 'école', 'ecole']);
  });

  it('keeps an accent written as a separate mark with its letter', () => {
    const decomposed = 'cafe\u0301 au lait';
    expect(marked(decomposed, 'café')).toEqual(['cafe\u0301']);
  });

  it('gives offsets into the text as written, after characters that fold to more or fewer units', () => {
    const text = 'ﬁne 😀 İstanbul fine';
    const ranges = matchRanges(text, searchTerms('fine istanbul') as SearchTerms);
    expect(ranges.map(([a, b]) => text.slice(a, b))).toEqual(['ﬁne', 'İstanbul', 'fine']);
  });

  it('lower-cases a word in its context, as the API indexed it (a final sigma)', () => {
    expect(marked('ΟΔΟΣ', 'οδος')).toEqual(['ΟΔΟΣ']);
  });

  it('compares the first 64 characters of a word, like the index', () => {
    const long = 'a'.repeat(70);
    expect(marked(`${long}b ${'a'.repeat(63)}b`, `${long}c x`)).toEqual([`${long}b`]);
  });

  it('finds words between punctuation and Markdown signs', () => {
    expect(marked('**walk**ing (walk), "walk"!', 'walk')).toEqual(['walk', 'walk', 'walk']);
  });
});
