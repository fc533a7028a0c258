// Search (`GET /api/entries?q=`) against the real API on a real Redis pair: whole words, the last
// also as a prefix, case and accents ignored, newest first, paged, private entries only for those
// who may read them, kept up to date by creates, edits and deletes, and entries stored before the
// index found once the background sweep indexed them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ENTRY_KEY,
  ENTRY_WORDS_KEY,
  PUBLIC_KEY,
  TIMELINE_KEY,
  UNINDEXED_KEY,
  WORD_PREFIX,
  WORDS_KEY,
} from '../../src/journal/journal.store.js';
import { LEGACY_WORD_PREFIX } from '../../src/journal/legacy-word-index.js';
import type { ApiProcess } from '../support/api.js';
import { call, expectProblem } from '../support/http.js';
import { useJournal } from '../support/journal.js';
import { callers, type Who } from './callers.js';
import { waitFor } from '../support/ports.js';

const { env, volume, headers: tokens } = callers({ JOURNAL_ENTRIES: '3' });
const journal = useJournal({ env });
let api: ApiProcess;
beforeAll(() => void (api = journal.api));
afterAll(() => volume.remove());

const post = async (text: string, who: Who = 'alice', extra: object = {}) =>
  (await call(api.url, 'POST', '/api/entries', { text, ...extra }, tokens[who])).body as { id: string; text: string };
/** Until the background indexer has moved every queued entry into the word sets. */
const indexed = () =>
  waitFor('the search indexer to empty its queue', async () =>
    (await journal.redis.primary.command('SCARD', UNINDEXED_KEY)) === 0 ? true : undefined,
  );
const search = async (q: string, who: Who = 'anonymous', page = 1) => {
  const reply = await call(api.url, 'GET', `/api/entries?q=${encodeURIComponent(q)}&page=${page}`, undefined, tokens[who]);
  expect(reply.status).toBe(200);
  return { ids: reply.body.entries.map((e: { id: string }) => e.id) as string[], total: reply.body.total as number };
};

describe('search', () => {
  let cafe: { id: string };
  beforeAll(async () => {
    cafe = await post('Café au lait at the Beach, with Zoë: a naïve résumé.');
  });

  it('finds every word as a whole word, case and accents ignored', async () => {
    for (const q of ['cafe beach', 'CAFÉ', 'zoe', 'BEACH café', 'lait, au!', 'naive resume'])
      expect((await search(q)).ids).toEqual([cafe.id]);
    for (const q of ['caf beach', 'cafe beaches', 'beach ocean', 'cafe zz']) expect(await search(q)).toEqual({ ids: [], total: 0 });
  });

  it('takes the last word also as the start of a word (results can follow typing)', async () => {
    for (const q of ['c', 'ca', 'caf', 'beach ca', 'zoe bea']) expect((await search(q)).ids).toContain(cafe.id);
    expect((await search('caf lait')).ids).toEqual([]);
  });

  it('newest first, paged like the list, with the total of matches', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await post(`kayak trip number ${i}`)).id);
    await post('a trip without the boat');
    const pages = [await search('kayak trip'), await search('kayak trip', 'anonymous', 2), await search('kayak trip', 'anonymous', 3)];
    expect(pages.map((p) => p.total)).toEqual([7, 7, 7]);
    expect(pages.flatMap((p) => p.ids)).toEqual(ids.reverse());
    expect(await search('kayak trip', 'anonymous', 4)).toEqual({ ids: [], total: 7 });
    // Both words are indexed, never in one entry: whichever side the search walks, the other is checked.
    expect(await search('kayak cafe')).toEqual({ ids: [], total: 0 });
    expect(await search('cafe kayak')).toEqual({ ids: [], total: 0 });
  });

  it('private entries: found and counted only for their author and admins', async () => {
    const secret = await post('my secret lighthouse', 'alice', { private: true });
    const open = await post('a public lighthouse', 'bob');
    expect(await search('lighthouse')).toEqual({ ids: [open.id], total: 1 });
    expect(await search('lighthouse', 'bob')).toEqual({ ids: [open.id], total: 1 });
    expect(await search('lighthouse', 'alice')).toEqual({ ids: [open.id, secret.id], total: 2 });
    expect(await search('lighthouse', 'carol')).toEqual({ ids: [open.id, secret.id], total: 2 });
    expect(await search('secret lig', 'bob')).toEqual({ ids: [], total: 0 });
  });

  it('follows edits and deletes; a word no entry holds any more leaves the word list', async () => {
    const { id } = await post('gondola ride');
    await indexed(); // so that the edit takes its words out of the word sets, not out of the queue
    const etag = (await call(api.url, 'GET', `/api/entries/${id}`)).headers.get('etag')!;
    const edited = await call(api.url, 'PATCH', `/api/entries/${id}`, { text: 'funicular ride' }, { ...tokens.alice, 'if-match': etag });
    expect(edited.status).toBe(200);
    expect((await search('gondola')).ids).toEqual([]);
    expect((await search('funicular ride')).ids).toEqual([id]);
    expect(await journal.redis.primary.command('ZSCORE', WORDS_KEY, 'gondola')).toBeNull();
    await indexed();
    expect(await journal.redis.primary.command('ZSCORE', WORDS_KEY, 'funicular')).toBe('0');
    expect((await call(api.url, 'DELETE', `/api/entries/${id}`, undefined, tokens.alice)).status).toBe(204);
    expect((await search('funicular')).ids).toEqual([]);
    expect(await journal.redis.primary.command('ZSCORE', WORDS_KEY, 'funicular')).toBeNull();
  });

  it('indexes an entry of 5000 different words (the most 10,000 characters can hold) in full', async () => {
    const words = Array.from({ length: 5000 }, (_, i) => String.fromCodePoint(0x4e00 + i));
    const created = await call(api.url, 'POST', '/api/entries', { text: words.join(' ') }, tokens.alice);
    expect(created.status).toBe(201);
    await indexed();
    for (const word of [words[0]!, words[2500]!, words[4999]!]) {
      expect((await search(word)).ids).toEqual([created.body.id]);
      expect(await journal.redis.primary.command('ZSCORE', WORDS_KEY, word)).toBe('0');
    }
  });

  it('a blank q is the plain list; a long or repeated q is a 400', async () => {
    const plain = (await call(api.url, 'GET', '/api/entries')).body;
    expect((await call(api.url, 'GET', '/api/entries?q=%20%20')).body).toEqual(plain);
    const long = await call(api.url, 'GET', `/api/entries?q=${'a'.repeat(201)}`);
    expectProblem(long, 400);
    expect(long.body.detail).toBe('q must be at most 200 characters, got 201');
    expectProblem(await call(api.url, 'GET', '/api/entries?q=a&q=b'), 400);
  });

  it('finds entries stored before the index, and those of the earlier index, once the background sweep indexed them', async () => {
    const primary = journal.redis.primary;
    const id = '777000';
    const json = JSON.stringify({ id, text: 'an old entry about a windmill', createdAt: '2025-01-01T00:00:00.000Z' });
    await primary.command('HSET', ENTRY_KEY, id, json);
    await primary.command('ZADD', TIMELINE_KEY, Date.parse('2025-01-01T00:00:00.000Z'), id);
    // As the earlier version's create script left an entry: its words in a sorted set per word.
    const earlier = { id: '01JEARLIERINDEX00000000000', text: 'a zeppelin over the bay', createdAt: '2025-02-01T00:00:00.000Z' };
    const at = Date.parse(earlier.createdAt);
    await primary.command('HSET', ENTRY_KEY, earlier.id, JSON.stringify(earlier));
    for (const key of [TIMELINE_KEY, PUBLIC_KEY]) await primary.command('ZADD', key, at, earlier.id);
    await primary.command('HSET', ENTRY_WORDS_KEY, earlier.id, 'a zeppelin over the bay');
    for (const word of ['a', 'zeppelin', 'over', 'the', 'bay'])
      await primary.command('ZADD', `${LEGACY_WORD_PREFIX}${word}`, at, earlier.id);
    await primary.command('ZADD', 'journal:words', 0, 'zeppelin');
    await waitFor('the old entry to be indexed', async () => ((await search('windmill')).total === 1 ? true : undefined), 15_000);
    expect((await search('old wind')).ids).toEqual([id]);
    await waitFor('the earlier index to be drained', async () => ((await search('zeppelin')).total === 1 ? true : undefined), 15_000);
    await indexed();
    expect((await search('zeppelin bay')).ids).toEqual([earlier.id]);
    expect(await primary.command('EXISTS', `${LEGACY_WORD_PREFIX}zeppelin`)).toBe(0);
    expect(await primary.command('SISMEMBER', `${WORD_PREFIX}zeppelin`, earlier.id)).toBe(1);
    expect(await primary.command('ZSCORE', WORDS_KEY, 'zeppelin')).toBe('0');
    expect(await primary.command('EXISTS', 'journal:words')).toBe(0); // the earlier list of words
  }, 40_000);
});
