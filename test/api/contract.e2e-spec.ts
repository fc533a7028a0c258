import { beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiProcess } from '../support/api.js';
import { call, expectProblem } from '../support/http.js';
import { useJournal } from '../support/journal.js';
import type { RedisPair } from '../support/redis.js';

const PAGE_SIZE = 3;
let redis: RedisPair;
let api: ApiProcess;
const post = (body: unknown, headers?: Record<string, string>) => call(api.url, 'POST', '/api/entries', body, headers);
const total = async () => (await call(api.url, 'GET', '/api/entries')).body.total as number;

const journal = useJournal({ env: { JOURNAL_ENTRIES: String(PAGE_SIZE) } });
beforeAll(() => {
  ({ redis, api } = journal);
});

describe('POST /api/entries', () => {
  it('creates an entry: 201, {id, text, createdAt}, Location', async () => {
    const before = Date.now();
    const reply = await post({ text: 'first line\nsecond line' });
    expect(reply.status).toBe(201);
    expect(Object.keys(reply.body).sort()).toEqual(['createdAt', 'id', 'text']);
    expect(reply.body.text).toBe('first line\nsecond line');
    expect(typeof reply.body.id).toBe('string');
    expect(reply.body.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(reply.body.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(reply.headers.get('location')).toBe(`/api/entries/${reply.body.id}`);
    const fetched = await call(api.url, 'GET', reply.headers.get('location')!);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(reply.body);
  });

  it('accepts 10,000 characters counted in code points (emoji count as one)', async () => {
    const text = '😀'.repeat(10_000); // 20,000 UTF-16 units
    const reply = await post({ text });
    expect(reply.status).toBe(201);
    expect((await call(api.url, 'GET', `/api/entries/${reply.body.id}`)).body.text).toBe(text);
  });

  it('keeps text exactly, including HTML and quotes', async () => {
    const text = `<script>alert("x")</script> \\ "quoted" ' é 中文`;
    const reply = await post({ text });
    expect((await call(api.url, 'GET', `/api/entries/${reply.body.id}`)).body.text).toBe(text);
  });

  const big = JSON.stringify({ text: 'a'.repeat(70_000) });
  const badBodies: [string, string | unknown, Record<string, string>, number, RegExp][] = [
    ['malformed JSON', '{"text": ', {}, 400, /not valid JSON/],
    ['text/plain', 'hello', { 'content-type': 'text/plain' }, 415, /Content-Type must be application\/json/],
    ['form data', 'text=hello', { 'content-type': 'application/x-www-form-urlencoded' }, 415, /application\/json/],
    ['no body', '', {}, 400, /empty/],
    ['missing text', {}, {}, 400, /text is required/],
    ['empty text', { text: '' }, {}, 400, /blank/],
    ['blank text', { text: ' \n\t ' }, {}, 400, /blank/],
    ['number text', { text: 42 }, {}, 400, /text must be a string/],
    ['null text', { text: null }, {}, 400, /text must be a string/],
    ['array body', ['hello'], {}, 400, /JSON object/],
    ['null body', 'null', {}, 400, /JSON object/],
    ['10,001 characters', { text: 'x'.repeat(10_001) }, {}, 400, /at most 10000 characters, got 10001/],
    ['lone surrogate', '{"text":"\\ud800"}', {}, 400, /valid Unicode/],
    ['client-chosen id', { text: 'hi', id: '1' }, {}, 400, /unknown field "id"/],
    ['client-chosen createdAt', { text: 'hi', createdAt: '2000-01-01T00:00:00.000Z' }, {}, 400, /unknown field "createdAt"/],
    ['body over 64 KiB', big, {}, 413, /64 KiB/],
  ];
  it.each(badBodies)('rejects %s with a clear problem and stores nothing', async (_name, body, headers, status, detail) => {
    const count = await total();
    const reply = await post(body, headers);
    expectProblem(reply, status);
    expect(reply.body.detail).toMatch(detail);
    expect(await total()).toBe(count);
  });

  it('drops __proto__ and stores only text', async () => {
    const reply = await post('{"text":"proto","__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}');
    expect(reply.status).toBe(201);
    const stored = (await call(api.url, 'GET', `/api/entries/${reply.body.id}`)).body;
    expect(stored).toEqual({ id: reply.body.id, text: 'proto', createdAt: reply.body.createdAt });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never loses or merges simultaneous creates', async () => {
    const count = await total();
    const texts = Array.from({ length: 60 }, (_, i) => `concurrent ${i}`);
    const replies = await Promise.all(texts.map((text) => post({ text })));
    expect(replies.map((r) => r.status)).toEqual(texts.map(() => 201));
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(texts.length);
    expect(await total()).toBe(count + texts.length);
    const stored = await Promise.all(replies.map((r) => call(api.url, 'GET', `/api/entries/${r.body.id}`)));
    expect(stored.map((r) => r.body.text)).toEqual(texts);
  });
});

describe('GET /api/entries', () => {
  it('pages newest first in pages of JOURNAL_ENTRIES, with the total', async () => {
    const created = [];
    for (let i = 0; i < 7; i++) created.push((await post({ text: `paged ${i}` })).body);
    const count = await total();
    const page1 = await call(api.url, 'GET', '/api/entries?page=1');
    expect(page1.status).toBe(200);
    expect(page1.body).toEqual({ entries: created.slice(-3).reverse(), page: 1, pageSize: PAGE_SIZE, total: count });
    const page2 = await call(api.url, 'GET', '/api/entries?page=2');
    expect(page2.body.entries).toEqual(created.slice(-6, -3).reverse());
    expect((await call(api.url, 'GET', '/api/entries')).body).toEqual(page1.body);
  });

  it('answers a page past the end with no entries', async () => {
    const reply = await call(api.url, 'GET', '/api/entries?page=100000');
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ entries: [], page: 100000, pageSize: PAGE_SIZE, total: await total() });
  });

  it.each(['0', '-1', '1.5', 'abc', '1e3', '', '99999999999999999999', '0x10', '%201'])('rejects page=%s', async (page) => {
    const reply = await call(api.url, 'GET', `/api/entries?page=${page}`);
    expectProblem(reply, 400);
    expect(reply.body.detail).toMatch(/^page must be a whole number from 1 to/);
  });

  it('rejects a repeated page', async () => {
    const reply = await call(api.url, 'GET', '/api/entries?page=1&page=2');
    expectProblem(reply, 400);
    expect(reply.body.detail).toBe('page must be given once');
  });
});

describe('GET and DELETE /api/entries/{id}', () => {
  it('deletes: 204, then 404 for get and delete', async () => {
    const { body } = await post({ text: 'to delete' });
    const count = await total();
    const deleted = await call(api.url, 'DELETE', `/api/entries/${body.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expectProblem(await call(api.url, 'GET', `/api/entries/${body.id}`), 404);
    expectProblem(await call(api.url, 'DELETE', `/api/entries/${body.id}`), 404);
    expect(await total()).toBe(count - 1);
  });

  it('of simultaneous deletes of one entry, exactly one gets 204', async () => {
    const { body } = await post({ text: 'raced' });
    const replies = await Promise.all(Array.from({ length: 20 }, () => call(api.url, 'DELETE', `/api/entries/${body.id}`)));
    expect(replies.filter((r) => r.status === 204)).toHaveLength(1);
    for (const reply of replies.filter((r) => r.status !== 204)) expectProblem(reply, 404);
  });

  it.each(['999999999', 'abc', '0', '-1', '1.0', '99999999999999999999', '%00', 'a'.repeat(300)])(
    'answers id %s with 404 problem',
    async (id) => {
      const reply = await call(api.url, 'GET', `/api/entries/${id}`);
      expectProblem(reply, 404);
      expect(reply.body.detail).toBe(`there is no entry with id ${JSON.stringify(decodeURIComponent(id).slice(0, 100))}`);
      expectProblem(await call(api.url, 'DELETE', `/api/entries/${id}`), 404);
    },
  );

  it('answers unknown routes with a 404 problem', async () => {
    expectProblem(await call(api.url, 'GET', '/api/nothing-here'), 404);
  });
});

describe('health', () => {
  it('reports live, ready, and writer and reader up', async () => {
    expect((await call(api.url, 'GET', '/healthz/live')).status).toBe(200);
    expect((await call(api.url, 'GET', '/healthz/ready')).status).toBe(200);
    const report = await call(api.url, 'GET', '/healthz');
    expect(report.status).toBe(200);
    expect(report.body.details).toEqual({ writer: { status: 'up' }, reader: { status: 'up' } });
    expect(report.text).not.toContain(redis.password);
  });
});
