import { describe, expect, it } from '@jest/globals';
import { createBaseline } from '../../bench/baseline/server.js';
import { call, expectProblem } from '../support/http.js';
import { useInProcessServer } from './in-process.js';

// The benchmark compares the API with this baseline: it must not win by skipping parts of the contract.
const PAGE_SIZE = 3;
const baseline = useInProcessServer((writer, reader) =>
  createBaseline({
    writer,
    reader,
    config: { pageSize: PAGE_SIZE },
    redisConfig: { minReplicaAcks: 1, writer: 'redis://127.0.0.1', password: undefined },
  }),
);

describe('the benchmark baseline', () => {
  it('creates: 201, {id, text, createdAt}, Location, then reads its own write by id and on page 1', async () => {
    const created = await call(baseline.url, 'POST', '/api/entries', { text: 'hello' });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['createdAt', 'id', 'text']);
    expect(created.headers.get('location')).toBe(`/api/entries/${created.body.id}`);
    expect((await call(baseline.url, 'GET', created.headers.get('location')!)).body).toEqual(created.body);
    expect((await call(baseline.url, 'GET', '/api/entries?page=1')).body.entries[0]).toEqual(created.body);
  });

  it('lists pages newest first with {entries, page, pageSize, total}', async () => {
    for (const text of ['a', 'b', 'c', 'd']) await call(baseline.url, 'POST', '/api/entries', { text });
    const first = await call(baseline.url, 'GET', '/api/entries');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ page: 1, pageSize: PAGE_SIZE, total: 5 });
    expect(first.body.entries.map((e: { text: string }) => e.text)).toEqual(['d', 'c', 'b']);
    expect((await call(baseline.url, 'GET', '/api/entries?page=9')).body.entries).toEqual([]);
  });

  it.each([
    ['malformed JSON', '{"text": ', {}, 400],
    ['a wrong content type', 'hello', { 'content-type': 'text/plain' }, 415],
    ['missing text', {}, {}, 400],
    ['blank text', { text: ' ' }, {}, 400],
    ['over-long text', { text: 'x'.repeat(10_001) }, {}, 400],
    ['an unknown field', { text: 'x', id: '1' }, {}, 400],
    ['a body over 64 KiB', { text: 'x'.repeat(70_000) }, {}, 413],
  ])('rejects %s with problem+json', async (_, body, headers, status) => {
    expectProblem(await call(baseline.url, 'POST', '/api/entries', body, headers as Record<string, string>), status);
  });

  it.each(['0', '-1', '1.5', 'abc', '1&page=2'])('rejects page=%s with 400', async (page) => {
    expectProblem(await call(baseline.url, 'GET', `/api/entries?page=${page}`), 400);
  });

  it('answers 404 for an unknown or malformed id, and deletes exactly once', async () => {
    expectProblem(await call(baseline.url, 'GET', '/api/entries/999999'), 404);
    expectProblem(await call(baseline.url, 'GET', '/api/entries/not-an-id'), 404);
    const { body } = await call(baseline.url, 'POST', '/api/entries', { text: 'to delete' });
    const deletes = await Promise.all([1, 2, 3].map(() => call(baseline.url, 'DELETE', `/api/entries/${body.id}`)));
    expect(deletes.map((d) => d.status).sort()).toEqual([204, 404, 404]);
    expectProblem(await call(baseline.url, 'GET', `/api/entries/${body.id}`), 404);
  });
});
