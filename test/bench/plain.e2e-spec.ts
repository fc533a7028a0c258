import { describe, expect, it } from '@jest/globals';
import { commandCalls } from '../../bench/lib/redis-work.js';
import { createPlainServer } from '../../bench/plain/server.js';
import { call, expectProblem } from '../support/http.js';
import { useInProcessServer } from './in-process.js';

// The benchmark's plain baseline must do the work the API does (a WAIT per write, reads on the
// replica, the contract's answers), or the comparison flatters it.
const plain = useInProcessServer((writer, reader) => createPlainServer({ writer, reader, pageSize: 3, replicas: 1 }));

describe('the plain benchmark baseline', () => {
  it('creates (a script, then a WAIT) and reads its own write from the replica, by id and on page 1', async () => {
    await plain.redis.primary.command('CONFIG', 'RESETSTAT');
    const created = await call(plain.url, 'POST', '/api/entries', { text: 'hello' });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['createdAt', 'id', 'text']);
    expect(created.headers.get('location')).toBe(`/api/entries/${created.body.id}`);
    expect((await commandCalls(plain.redis.primary)).get('wait')).toBe(1);
    expect((await call(plain.url, 'GET', created.headers.get('location')!)).body).toEqual(created.body);
    const page = await call(plain.url, 'GET', '/api/entries?page=1');
    expect(page.body).toMatchObject({ page: 1, pageSize: 3, total: 1, entries: [created.body] });
  });

  it.each([
    ['malformed JSON', '{"text": ', {}, 400],
    ['a wrong content type', 'hello', { 'content-type': 'text/plain' }, 415],
    ['blank text', { text: ' ' }, {}, 400],
    ['over-long text', { text: 'x'.repeat(10_001) }, {}, 400],
    ['an unknown field', { text: 'x', id: '1' }, {}, 400],
  ])('rejects %s with problem+json', async (_, body, headers, status) => {
    expectProblem(await call(plain.url, 'POST', '/api/entries', body, headers as Record<string, string>), status);
  });

  it('deletes exactly once, and answers 404 for an unknown id', async () => {
    const { body } = await call(plain.url, 'POST', '/api/entries', { text: 'to delete' });
    const deletes = await Promise.all([1, 2, 3].map(() => call(plain.url, 'DELETE', `/api/entries/${body.id}`)));
    expect(deletes.map((d) => d.status).sort()).toEqual([204, 404, 404]);
    expectProblem(await call(plain.url, 'GET', '/api/entries/999999'), 404);
  });

  it('refuses a write the replica did not confirm with 503', async () => {
    plain.redis.replica.pause();
    try {
      expectProblem(await call(plain.url, 'POST', '/api/entries', { text: 'unconfirmed' }), 503);
    } finally {
      plain.redis.replica.resume();
    }
  });
});
