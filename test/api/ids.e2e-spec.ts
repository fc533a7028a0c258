import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiProcess } from '../support/api.js';
import { call } from '../support/http.js';
import { Journal } from '../support/journal.js';
import { waitFor } from '../support/ports.js';
import { storedEntries } from '../support/stored-entries.js';

const LEGACY = 'journal:entries';
const legacyEntry = (id: number, text: string, createdAt: string) => JSON.stringify({ id: String(id), text, createdAt });

/** A journal whose Redis already holds entries of the numeric-id model when the API starts. */
let journal: Journal;
let api: ApiProcess;
beforeAll(async () => {
  journal = await Journal.start({ env: { JOURNAL_ENTRIES: '3' } });
  await journal.api.stop();
  const primary = journal.redis.primary;
  await primary.command('ZADD', LEGACY, 1, legacyEntry(1, 'the first, from spring', '2026-03-01T08:00:00.000Z'));
  await primary.command('ZADD', LEGACY, 2, legacyEntry(2, 'the second', '2026-03-02T08:00:00.000Z'));
  await primary.command('ZADD', LEGACY, 3, 'not JSON');
  await primary.command('SET', 'journal:next-id', 3);
  api = await journal.startApi({ JOURNAL_ENTRIES: '3' });
}, 60_000);
afterAll(() => journal?.stop());

const post = (text: string) => call(api.url, 'POST', '/api/entries', { text });

describe('entry ids', () => {
  it('are ULIDs that sort by creation time', async () => {
    const first = (await post('one')).body.id as string;
    const second = (await post('two')).body.id as string;
    expect(first).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(second > first).toBe(true);
  });

  it('come from no counter: never repeated, and never the next number of the old counter', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const { id } = (await post(`entry ${i}`)).body as { id: string };
      expect(seen.has(id)).toBe(false);
      seen.add(id);
      expect((await call(api.url, 'DELETE', `/api/entries/${id}`)).status).toBe(204);
    }
    // The old counter is not consulted: ids do not continue from it.
    for (const id of seen) expect(['4', '5']).not.toContain(id);
  });

  it('are case-insensitive, as ULIDs are', async () => {
    const { id } = (await post('any case')).body as { id: string };
    const reply = await call(api.url, 'GET', `/api/entries/${id.toLowerCase()}`);
    expect(reply.status).toBe(200);
    expect(reply.body.id).toBe(id);
  });
});

describe('entries stored with numeric ids', () => {
  it('are moved at start and keep their ids, texts and dates', async () => {
    const reply = await call(api.url, 'GET', '/api/entries/1');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ id: '1', text: 'the first, from spring', createdAt: '2026-03-01T08:00:00.000Z' });
    expect(await journal.redis.primary.command('EXISTS', LEGACY, 'journal:next-id')).toBe(0);
  });

  it('keep an unreadable one as it was (a 500 for it, as before), never dropped', async () => {
    expect(await storedEntries.get(journal.redis.primary, '3')).toBe('not JSON');
    expect((await call(api.url, 'GET', '/api/entries/3')).status).toBe(500);
    await storedEntries.remove(journal.redis.primary, '3');
  });

  it('keep their place by date among the new ones', async () => {
    const all: string[] = [];
    for (let page = 1; ; page++) {
      const { entries } = (await call(api.url, 'GET', `/api/entries?page=${page}`)).body as { entries: { id: string }[] };
      if (entries.length === 0) break;
      all.push(...entries.map((entry) => entry.id));
    }
    expect(all.slice(-2)).toEqual(['2', '1']);
  });

  it('can be deleted by their numeric id', async () => {
    expect((await call(api.url, 'DELETE', '/api/entries/2')).status).toBe(204);
    expect((await call(api.url, 'GET', '/api/entries/2')).status).toBe(404);
  });

  it('written by an API of the old version during a rolling update are moved within seconds', async () => {
    await journal.redis.primary.command('ZADD', LEGACY, 4, legacyEntry(4, 'from an old pod', '2026-12-06T08:00:00.000Z'));
    const reply = await waitFor(
      'the entry of the old version to be moved',
      async () => {
        const found = await call(api.url, 'GET', '/api/entries/4');
        return found.status === 200 ? found : undefined;
      },
      15_000,
    );
    expect(reply.body.text).toBe('from an old pod');
  }, 20_000);
});
