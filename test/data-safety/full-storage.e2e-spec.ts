import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { call, expectProblem, type Reply } from '../support/http.js';
import { useJournal } from '../support/journal.js';
import { storedEntries } from '../support/stored-entries.js';

// A Redis with a few MB of maxmemory and noeviction, as kustomize/ runs it (with more memory).
const journal = useJournal({ redis: { args: ['--maxmemory', '4mb', '--maxmemory-policy', 'noeviction'] } });
const ids: string[] = [];
const BIG = 'x'.repeat(10_000); // the longest text: fills the few MB in a few hundred creates
let keyed: { key: string; entry: unknown };

beforeAll(async () => {
  const key = randomUUID();
  keyed = {
    key,
    entry: (await call(journal.api.url, 'POST', '/api/entries', { text: 'saved with a key' }, { 'idempotency-key': key })).body,
  };
});

const create = (text = BIG) => call(journal.api.url, 'POST', '/api/entries', { text });

describe('full storage (maxmemory reached, noeviction)', () => {
  let full: Reply;
  beforeAll(async () => {
    for (let i = 0; i < 2000; i++) {
      const reply = await create();
      if (reply.status !== 201) {
        full = reply;
        break;
      }
      ids.push(reply.body.id);
    }
    // Redis judges a script's room when it starts, the request's own text included: after the
    // long text no longer fits, short ones may still. Fill those up too, so that nothing fits.
    for (let i = 0; i < 2000; i++) {
      const reply = await create('short');
      if (reply.status !== 201) break;
      ids.push(reply.body.id);
    }
    // Each create has the search indexer run 25 ms later, and its batch can leave a little room (the
    // queue's members go as the word sets' come): fill until a short create is refused also after
    // the indexer's turn.
    for (let i = 0; i < 50; i++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const reply = await create('short');
      if (reply.status !== 201) break;
      ids.push(reply.body.id);
    }
  }, 60_000);

  it('answers a create that does not fit with 507 problem+json naming no Redis internals', () => {
    expect(ids.length).toBeGreaterThan(50);
    expectProblem(full, 507, 'storage-full');
    expect(full.text).not.toMatch(/OOM/);
    expect(full.text).not.toMatch(/maxmemory|redis|script/i);
  });

  it('stores nothing of a refused create, also a short one', async () => {
    const before = await storedEntries.count(journal.redis.primary);
    expectProblem(await create('short'), 507, 'storage-full');
    expectProblem(
      await call(journal.api.url, 'POST', '/api/entries', { text: 'short' }, { 'idempotency-key': randomUUID() }),
      507,
      'storage-full',
    );
    expect(await storedEntries.count(journal.redis.primary)).toBe(before);
  });

  it('keeps reads working', async () => {
    expect((await call(journal.api.url, 'GET', `/api/entries/${ids[0]}`)).status).toBe(200);
    const page = await call(journal.api.url, 'GET', '/api/entries?page=1');
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(ids.length + 1);
  });

  it('still replays a create saved with an Idempotency-Key before (its retry needs no room)', async () => {
    const replay = await call(journal.api.url, 'POST', '/api/entries', { text: 'saved with a key' }, { 'idempotency-key': keyed.key });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(keyed.entry);
  });

  it('keeps deletes working, and creates work again once there is room', async () => {
    for (const id of ids.splice(0, 100)) expect((await call(journal.api.url, 'DELETE', `/api/entries/${id}`)).status).toBe(204);
    const created = await create();
    expect(created.status).toBe(201);
    expect((await call(journal.api.url, 'GET', `/api/entries/${created.body.id}`)).body).toEqual(created.body);
  });
});
