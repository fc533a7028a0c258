import { describe, expect, it } from '@jest/globals';
import {
  codePoints,
  counter,
  errorMessage,
  excerpt,
  formatDate,
  pageCount,
  pageFromQuery,
  pageSummary,
  textProblem,
  UNAVAILABLE,
} from './format.js';

describe('codePoints', () => {
  it('counts code points like the API, so an emoji is one character', () => {
    expect(codePoints('😀ab')).toBe(3);
    expect('😀ab'.length).toBe(4);
    expect(codePoints('')).toBe(0);
  });
});

describe('counter', () => {
  it('shows the count against the limit', () => {
    expect(counter('😀ab', 'en')).toEqual({ label: '3 / 10,000', over: false });
    expect(counter('x'.repeat(10_000), 'en')).toEqual({ label: '10,000 / 10,000', over: false });
  });

  it('says how far over the limit a text is', () => {
    expect(counter('😀'.repeat(10_002), 'en')).toEqual({ label: '10,002 / 10,000: 2 over the limit', over: true });
  });
});

describe('textProblem', () => {
  it('refuses blank and over-long texts and accepts the rest', () => {
    expect(textProblem(' \n\t')).toBe('Write something first.');
    expect(textProblem('x'.repeat(10_001))).toBe('An entry can have at most 10,000 characters; this one has 10,001.');
    expect(textProblem('😀'.repeat(10_000))).toBeUndefined();
  });
});

describe('paging', () => {
  it('counts pages, one at least', () => {
    expect(pageCount(0, 10)).toBe(1);
    expect(pageCount(10, 10)).toBe(1);
    expect(pageCount(11, 10)).toBe(2);
  });

  it('summarises the page and the total', () => {
    expect(pageSummary(2, 3, 7, 'en')).toBe('Page 2 of 3 · 7 entries');
    expect(pageSummary(1, 10, 1, 'en')).toBe('Page 1 of 1 · 1 entry');
  });

  it('reads ?page=N and falls back to 1 for anything else', () => {
    expect(pageFromQuery('?page=4')).toBe(4);
    for (const search of ['', '?page=0', '?page=-1', '?page=1.5', '?page=abc', '?page=99999999999']) {
      expect(pageFromQuery(search)).toBe(1);
    }
  });
});

describe('formatDate', () => {
  it("uses the reader's locale", () => {
    const iso = '2026-11-25T09:05:00.000Z';
    expect(formatDate(iso, 'de-DE', 'UTC')).toMatch(/^25\.11\.2026, 09:05$/);
    expect(formatDate(iso, 'en-US', 'UTC')).toMatch(/^Nov 25, 2026, 9:05\sAM$/);
  });
});

describe('excerpt', () => {
  it('cuts at code points, never inside an emoji', () => {
    expect(excerpt('😀😀😀', 2)).toBe('😀😀…');
    expect(excerpt('  short  ', 10)).toBe('short');
  });
});

describe('errorMessage', () => {
  it("shows the problem's detail", () => {
    expect(errorMessage(400, { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'text must not be blank' })).toBe(
      'text must not be blank',
    );
  });

  it('gives a clear message when the service is unavailable', () => {
    expect(errorMessage(503, { detail: 'The journal cannot reach its storage right now; try again in a moment' })).toBe(UNAVAILABLE);
    expect(errorMessage(502, undefined)).toMatch(/not responding \(HTTP 502\)/);
  });

  it('falls back to the status when there is no detail', () => {
    expect(errorMessage(500, '<html>')).toBe('Something went wrong (HTTP 500). Please try again.');
  });
});
