// Export (GET /api/entries/export) against the real API on a real Redis pair: what each caller gets,
// in which order, and a journal larger than one batch whose batches end inside a millisecond.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiProcess } from '../support/api.js';
import { call, expectProblem } from '../support/http.js';
import { useJournal } from '../support/journal.js';
import { ENTRY_KEY, PUBLIC_KEY, TIMELINE_KEY } from '../../src/journal/journal.store.js';
import { callers, type Who } from './callers.js';

const { env, volume, headers: tokens } = callers({ RATE_LIMIT_WRITES_PER_MINUTE: '100000' });
const journal = useJournal({ env });
let api: ApiProcess;
beforeAll(() => void (api = journal.api));
afterAll(() => volume.remove());

const exported = async (who: Who) => {
  const reply = await call(api.url, 'GET', '/api/entries/export', undefined, tokens[who]);
  expect(reply.status).toBe(200);
  return {
    reply,
    lines: reply.text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line)),
  };
};

describe('export', () => {
  const made: Record<string, { id: string; author: string; private: boolean }> = {};
  beforeAll(async () => {
    for (const [who, isPrivate] of [
      ['alice', false],
      ['alice', true],
      ['bob', true],
      ['bob', false],
    ] as const) {
      const reply = await call(api.url, 'POST', '/api/entries', { text: `${who} ${isPrivate}`, private: isPrivate }, tokens[who]);
      expect(reply.status).toBe(201);
      made[`${who} ${isPrivate}`] = reply.body;
    }
  });

  it('is an NDJSON attachment of every field, oldest first, with what each caller may read', async () => {
    const { reply, lines } = await exported('alice');
    expect(reply.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(reply.headers.get('content-disposition')).toMatch(/^attachment; filename="journal-\d{4}-\d\d-\d\d\.ndjson"$/);
    expect(lines.map((line) => line.text)).toEqual(['alice false', 'alice true', 'bob false']);
    expect(lines[1]).toEqual({
      id: made['alice true']!.id,
      text: 'alice true',
      createdAt: expect.any(String),
      updatedAt: null,
      author: 'alice',
      private: true,
    });
    expect((await exported('bob')).lines.map((line) => line.text)).toEqual(['alice false', 'bob true', 'bob false']);
    expect((await exported('anonymous')).lines.map((line) => line.text)).toEqual(['alice false', 'bob false']);
    expect((await exported('carol')).lines.map((line) => line.text)).toEqual(['alice false', 'alice true', 'bob true', 'bob false']);
  });

  it('walks more than one batch without skipping or repeating an entry, also when a batch ends inside a millisecond', async () => {
    // 1,200 public entries, 7 to a millisecond, written straight to the primary, all older than the ones above.
    const primary = journal.redis.primary;
    const ids: string[] = [];
    for (let i = 0; i < 1200; i++) {
      const id = String(i + 1);
      const at = 1_000_000 + Math.floor(i / 7);
      ids.push(id);
      await primary.command('HSET', ENTRY_KEY, id, JSON.stringify({ id, text: `old ${i}`, createdAt: new Date(at).toISOString() }));
      await primary.command('ZADD', TIMELINE_KEY, at, id);
      await primary.command('ZADD', PUBLIC_KEY, at, id);
    }
    await primary.command('WAIT', 1, 5000);
    const texts = (await exported('anonymous')).lines.map((line) => line.text);
    expect(texts).toHaveLength(1202);
    expect(new Set(texts).size).toBe(1202);
    expect(texts.slice(-2)).toEqual(['alice false', 'bob false']);
  });

  it('follows READ_ACCESS and the failed sign-in rules like every read', async () => {
    expectProblem(await call(api.url, 'GET', '/api/entries/export', undefined, { authorization: 'Bearer nope' }), 401, 'invalid-token');
  });
});
