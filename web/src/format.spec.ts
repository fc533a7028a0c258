import { describe, expect, it } from '@jest/globals';
import {
  codePoints,
  counter,
  errorMessage,
  entryNames,
  excerpt,
  fileNameFromDisposition,
  formatDate,
  importSummaryText,
  listQuery,
  matchSummary,
  pageCount,
  pageFromQuery,
  pageSummary,
  searchFromQuery,
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
    expect(textProblem('\u200b\u2060\ufeff')).toBe(
      'This entry has only invisible characters (such as zero-width spaces): write something visible.',
    );
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

describe('searching', () => {
  it('counts the matches', () => {
    expect(matchSummary(0, 'en')).toBe('No entries match');
    expect(matchSummary(1, 'en')).toBe('1 entry matches');
    expect(matchSummary(1234, 'en')).toBe('1,234 entries match');
    expect(pageSummary(2, 3, 7, 'en', true)).toBe('Page 2 of 3 · 7 entries match');
  });

  it('keeps the search and the page in the address, and reads them back', () => {
    expect(listQuery(1, '')).toBe('');
    expect(listQuery(2, '')).toBe('?page=2');
    expect(listQuery(1, '  ')).toBe('');
    expect(listQuery(3, 'café & co')).toBe('?q=caf%C3%A9+%26+co&page=3');
    expect(searchFromQuery('?q=caf%C3%A9+%26+co&page=3')).toBe('café & co');
    expect(pageFromQuery('?q=caf%C3%A9+%26+co&page=3')).toBe(3);
    expect(searchFromQuery('?page=2')).toBe('');
  });
});

describe('fileNameFromDisposition', () => {
  it("takes the server's file name, the UTF-8 one first", () => {
    expect(fileNameFromDisposition('attachment; filename="journal-2026-12-06.ndjson"')).toBe('journal-2026-12-06.ndjson');
    expect(fileNameFromDisposition('attachment; filename=journal.ndjson')).toBe('journal.ndjson');
    expect(fileNameFromDisposition('attachment; filename="a \\"quoted\\" name"')).toBe('a "quoted" name');
    expect(fileNameFromDisposition('attachment; filename="plain"; filename*=UTF-8\'\'journal%20%C3%A9t%C3%A9.ndjson')).toBe(
      'journal été.ndjson',
    );
    expect(fileNameFromDisposition('attachment; filename="plain"; filename*=UTF-8\'\'bad%E0')).toBe('plain');
  });

  it('has none when the header gives none', () => {
    expect(fileNameFromDisposition(null)).toBeUndefined();
    expect(fileNameFromDisposition('attachment')).toBeUndefined();
    expect(fileNameFromDisposition('attachment; filename=""')).toBeUndefined();
  });
});

describe('formatDate', () => {
  it("uses the reader's locale", () => {
    const iso = '2026-11-25T09:05:00.000Z';
    expect(formatDate(iso, 'de-DE', 'UTC')).toMatch(/^25\.11\.2026, 09:05:00$/);
    expect(formatDate(iso, 'en-US', 'UTC')).toMatch(/^Nov 25, 2026, 9:05:00\sAM$/);
  });

  it('tells apart times within one minute', () => {
    expect(formatDate('2026-11-25T09:05:07.000Z', 'en-GB', 'UTC')).not.toBe(formatDate('2026-11-25T09:05:48.000Z', 'en-GB', 'UTC'));
  });
});

describe('entryNames', () => {
  it('names each entry by its time and first words, unique even for entries of the same second and start', () => {
    const at = '2026-11-25T09:05:07.000Z';
    const entries = [
      { createdAt: at, text: 'Dear diary,\ntoday I walked to the lake and back, in the rain' },
      { createdAt: at, text: 'Dear diary,\ntoday I walked to the lake and back, in the rain' },
      { createdAt: '2026-11-25T09:05:48.000Z', text: 'Short' },
    ];
    expect(entryNames(entries, 'en-GB', 'UTC')).toEqual([
      'entry from 25 Nov 2026, 09:05:07: “Dear diary, today I walked to the lake a…”',
      'entry from 25 Nov 2026, 09:05:07: “Dear diary, today I walked to the lake a…” (2)',
      'entry from 25 Nov 2026, 09:05:48: “Short”',
    ]);
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

describe('importSummaryText', () => {
  it("says what was imported, what was there already and what was not, in the person's words", () => {
    expect(importSummaryText('journal.ndjson', { imported: 1203, skipped: 0, failedTotal: 0 }, 'en')).toBe(
      'journal.ndjson: 1,203 entries imported.',
    );
    expect(importSummaryText('dayone.json', { imported: 1, skipped: 4, failedTotal: 1 }, 'en')).toBe(
      'dayone.json: 1 entry imported, 4 entries already there, 1 record not imported (listed below).',
    );
  });
});
