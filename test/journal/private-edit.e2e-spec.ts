// Private entries and edits (AUTH_MODE=token) against the real API on a real Redis pair: each rule
// from the author's, another writer's, an admin's and an anonymous caller's side.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiProcess } from '../support/api.js';
import { bearer, newToken } from '../support/auth.js';
import { call, expectProblem } from '../support/http.js';
import { useJournal } from '../support/journal.js';
import { callers, type Who } from './callers.js';
import { storedEntries } from '../support/stored-entries.js';

const { env, volume, headers: tokens } = callers({ JOURNAL_ENTRIES: '3', RATE_LIMIT_WRITES_PER_MINUTE: '100000' });
const journal = useJournal({ env });
let api: ApiProcess;
beforeAll(() => void (api = journal.api));
afterAll(() => volume.remove());

const post = (who: Who, body: object) => call(api.url, 'POST', '/api/entries', body, tokens[who]);
const get = (who: Who, id: string) => call(api.url, 'GET', `/api/entries/${id}`, undefined, tokens[who]);
const patch = (who: Who, id: string, body: object, ifMatch?: string) =>
  call(api.url, 'PATCH', `/api/entries/${id}`, body, { ...tokens[who], ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) });
const remove = (who: Who, id: string) => call(api.url, 'DELETE', `/api/entries/${id}`, undefined, tokens[who]);

/** Every entry `who` can list, newest first, page by page (3 a page), and the total every page reported. */
async function everything(who: Who): Promise<{ ids: string[]; totals: Set<number> }> {
  const ids: string[] = [];
  const totals = new Set<number>();
  for (let page = 1; ; page++) {
    const reply = await call(api.url, 'GET', `/api/entries?page=${page}`, undefined, tokens[who]);
    expect(reply.status).toBe(200);
    totals.add(reply.body.total);
    if (reply.body.entries.length === 0) return { ids, totals };
    ids.push(...reply.body.entries.map((entry: { id: string }) => entry.id));
  }
}

describe('private entries', () => {
  let secret: { id: string };
  beforeAll(async () => {
    const reply = await post('alice', { text: 'only for me', private: true });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({
      id: expect.any(String),
      text: 'only for me',
      createdAt: expect.any(String),
      author: 'alice',
      private: true,
    });
    secret = reply.body;
  });

  it('by id: the author and admins read it; another writer and anonymous get 404, not 403', async () => {
    expect((await get('alice', secret.id)).body).toEqual(secret);
    expect((await get('carol', secret.id)).body).toEqual(secret);
    expectProblem(await get('bob', secret.id), 404, 'entry-not-found');
    expectProblem(await get('anonymous', secret.id), 404, 'entry-not-found');
  });

  it('in the list and its total: only for the author and admins, on every page', async () => {
    // Public and private entries of two authors, interleaved in time, so pages merge both sets.
    for (let i = 0; i < 4; i++) {
      await post('alice', { text: `alice public ${i}` });
      await post('alice', { text: `alice private ${i}`, private: true });
      await post('bob', { text: `bob private ${i}`, private: true });
      await post('bob', { text: `bob public ${i}` });
    }
    const all = await everything('carol');
    const entries = await Promise.all(all.ids.map(async (id) => (await get('carol', id)).body));
    const visibleTo = (name?: string) => entries.filter((e) => !e.private || e.author === name).map((e) => e.id);
    expect(all.totals).toEqual(new Set([entries.length]));
    for (const [who, name] of [
      ['alice', 'alice'],
      ['bob', 'bob'],
      ['anonymous', undefined],
    ] as const) {
      const seen = await everything(who);
      expect(seen.ids).toEqual(visibleTo(name));
      expect(seen.totals).toEqual(new Set([visibleTo(name).length]));
    }
    expect(visibleTo('alice')).toContain(secret.id);
    expect(visibleTo(undefined)).not.toContain(secret.id);
  });

  it('another writer cannot edit or delete it: 404, as for an entry that does not exist', async () => {
    const { etag } = await read('alice', secret.id);
    expectProblem(await patch('bob', secret.id, { text: 'mine now' }, etag), 404, 'entry-not-found');
    expectProblem(await remove('bob', secret.id), 404, 'entry-not-found');
    expect((await get('alice', secret.id)).body.text).toBe('only for me');
  });

  it('an unknown token on a read is refused (401), a malformed header 400', async () => {
    expectProblem(await call(api.url, 'GET', '/api/entries', undefined, bearer(newToken())), 401, 'invalid-token');
    expectProblem(await call(api.url, 'GET', `/api/entries/${secret.id}`, undefined, { authorization: 'Bearer' }), 400);
  });

  it('"private" must be a boolean', async () => {
    expectProblem(await post('alice', { text: 'x', private: 'yes' }), 400);
    expect((await post('alice', { text: 'x', private: 'yes' })).body.detail).toBe('private must be true or false');
  });

  it('needs sign-in: with AUTH_MODE=off a private entry is a 400, nothing stored', async () => {
    const open = await journal.startApi({ AUTH_MODE: 'off' });
    const before = await storedEntries.count(journal.redis.primary);
    const reply = await call(open.url, 'POST', '/api/entries', { text: 'for nobody', private: true });
    expectProblem(reply, 400, 'private-needs-sign-in');
    expect(await storedEntries.count(journal.redis.primary)).toBe(before);
    // And anonymous callers of that API never see private entries either.
    expectProblem(await call(open.url, 'GET', `/api/entries/${secret.id}`), 404, 'entry-not-found');
    expectProblem(await call(open.url, 'DELETE', `/api/entries/${secret.id}`), 404, 'entry-not-found');
    await open.stop();
  });

  it('the author and an admin may delete it', async () => {
    const other = (await post('alice', { text: 'to go', private: true })).body;
    expect((await remove('carol', other.id)).status).toBe(204);
    expect((await remove('alice', secret.id)).status).toBe(204);
    expectProblem(await get('alice', secret.id), 404);
  });
});

/** The entry as `who` reads it, and its ETag. */
async function read(who: Who, id: string): Promise<{ entry: Record<string, unknown>; etag: string }> {
  const reply = await get(who, id);
  expect(reply.status).toBe(200);
  const etag = reply.headers.get('etag');
  expect(etag).toMatch(/^"[0-9a-f]{40}"$/);
  return { entry: reply.body, etag: etag! };
}

describe('edits', () => {
  it('every write answers an ETag: the one GET answers for the same version', async () => {
    const created = await post('alice', { text: 'tagged' });
    expect(created.headers.get('etag')).toBe((await read('alice', created.body.id)).etag);
  });

  it('need If-Match: 428 without one (or with *), 412 with another version; nothing changes', async () => {
    const { id } = (await post('alice', { text: 'first words' })).body;
    expectProblem(await patch('alice', id, { text: 'x' }), 428, 'if-match-required');
    expectProblem(await patch('alice', id, { text: 'x' }, '*'), 428, 'if-match-required');
    expectProblem(await patch('alice', id, { text: 'x' }, `"${'0'.repeat(40)}"`), 412, 'entry-changed');
    const { etag } = await read('alice', id);
    expectProblem(await patch('alice', id, { text: 'x' }, `W/${etag}`), 412, 'entry-changed');
    expect((await get('alice', id)).body.text).toBe('first words');
  });

  it('200 with the entry and updatedAt; id, createdAt and its place stay; read at once (read-your-writes), also from the replica', async () => {
    const { id } = (await post('alice', { text: 'a typo hre' })).body;
    const newer = (await post('bob', { text: 'written after it' })).body;
    const { entry, etag } = await read('alice', id);
    const reply = await patch('alice', id, { text: 'a typo here' }, etag);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ ...entry, text: 'a typo here', updatedAt: expect.any(String) });
    expect(Date.parse(reply.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(entry.createdAt as string));
    const after = await read('anonymous', id);
    expect(after.entry).toEqual(reply.body);
    expect(after.etag).toBe(reply.headers.get('etag'));
    expect(after.etag).not.toBe(etag);
    expect(JSON.parse((await storedEntries.get(journal.redis.replica, id))!)).toEqual(reply.body);
    const page1 = (await call(api.url, 'GET', '/api/entries')).body.entries.map((e: { id: string }) => e.id);
    expect(page1.indexOf(newer.id)).toBeLessThan(page1.indexOf(id));
    // The old ETag no longer matches.
    expectProblem(await patch('alice', id, { text: 'again' }, etag), 412);
  });

  it('the author or an admin: another writer 403, anonymous 401', async () => {
    const { id } = (await post('alice', { text: 'by alice' })).body;
    const { etag } = await read('alice', id);
    const forbidden = await patch('bob', id, { text: 'by bob' }, etag);
    expectProblem(forbidden, 403, 'not-your-entry');
    expect(forbidden.body.detail).toBe('You may not edit this entry: only its author (alice) or an admin may');
    expectProblem(await patch('anonymous', id, { text: 'by nobody' }, etag), 401);
    const byAdmin = await patch('carol', id, { text: 'by carol' }, etag);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.author).toBe('alice');
  });

  it('private on and off: the entry leaves and rejoins what others see', async () => {
    const { id } = (await post('alice', { text: 'soon private' })).body;
    const totalFor = async (who: Who) => (await call(api.url, 'GET', '/api/entries', undefined, tokens[who])).body.total as number;
    const [anonBefore, aliceBefore] = [await totalFor('anonymous'), await totalFor('alice')];
    const hidden = await patch('alice', id, { private: true }, (await read('alice', id)).etag);
    expect(hidden.body.private).toBe(true);
    expectProblem(await get('anonymous', id), 404);
    expect([await totalFor('anonymous'), await totalFor('alice')]).toEqual([anonBefore - 1, aliceBefore]);
    const shown = await patch('alice', id, { private: false }, hidden.headers.get('etag')!);
    expect(shown.status).toBe(200);
    expect(shown.body.private).toBeUndefined();
    expect((await get('anonymous', id)).status).toBe(200);
    expect(await totalFor('anonymous')).toBe(anonBefore);
  });

  it('of an entry that is gone: 404', async () => {
    const { id } = (await post('alice', { text: 'short-lived' })).body;
    const { etag } = await read('alice', id);
    expect((await remove('alice', id)).status).toBe(204);
    expectProblem(await patch('alice', id, { text: 'too late' }, etag), 404, 'entry-not-found');
  });

  it.each([
    [{}, 'the body must change "text", "private" or both'],
    [{ text: ' ' }, 'text must not be blank'],
    [{ text: 'x', createdAt: '2020-01-01T00:00:00.000Z' }, 'unknown field "createdAt": only "text" and "private" are accepted'],
  ])('a bad body %j: 400', async (body, detail) => {
    const { id } = (await post('alice', { text: 'stays' })).body;
    const reply = await patch('alice', id, body, (await read('alice', id)).etag);
    expectProblem(reply, 400);
    expect(reply.body.detail).toBe(detail);
  });

  it('concurrent edits of one version: exactly one 200, the others 412', async () => {
    const { id } = (await post('alice', { text: 'contested' })).body;
    const { etag } = await read('alice', id);
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => patch(i % 2 ? 'carol' : 'alice', id, { text: `edit ${i}` }, etag)),
    );
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 412, 412, 412, 412, 412, 412, 412]);
    const winner = replies.find((r) => r.status === 200)!;
    expect((await get('alice', id)).body.text).toBe(winner.body.text);
  });

  it('are confirmed by the replicas like every write: 503 while the replica hangs, and nothing acknowledged is lost', async () => {
    const { id } = (await post('alice', { text: 'before the hang' })).body;
    const { etag } = await read('alice', id);
    journal.redis.replica.pause();
    try {
      expectProblem(await patch('alice', id, { text: 'during the hang' }, etag), 503, 'write-not-confirmed');
    } finally {
      journal.redis.replica.resume();
    }
  });
});
