import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiProcess } from '../support/api.js';
import { call, expectProblem, twiceWhileReplicaHung } from '../support/http.js';
import { useJournal } from '../support/journal.js';
import { ENTRY_KEY } from '../../src/journal/journal.store.js';

// Idempotency-Key on POST /api/entries: a retried create never stores a second entry.
const journal = useJournal();
let otherPod: ApiProcess; // a second API process on the same Redis, as a second pod

beforeAll(async () => {
  otherPod = await journal.startApi();
});

const create = (text: string, key?: string, base = journal.api.url) =>
  call(base, 'POST', '/api/entries', { text }, key === undefined ? {} : { 'idempotency-key': key });

/** Entries stored with this text, counted on the primary. */
async function stored(text: string): Promise<number> {
  const members = (await journal.redis.primary.command('HVALS', ENTRY_KEY)) as string[];
  return members.filter((member) => JSON.parse(member).text === text).length;
}

describe('Idempotency-Key', () => {
  it('replays the first answer for the same key: 201, same body and Location, one entry', async () => {
    const key = randomUUID();
    const first = await create('replayed', key);
    expect(first.status).toBe(201);
    const again = await create('replayed', key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(await stored('replayed')).toBe(1);
  });

  it('replays even after the entry was deleted (the first answer, not the current state)', async () => {
    const key = randomUUID();
    const first = await create('deleted later', key);
    expect((await call(journal.api.url, 'DELETE', `/api/entries/${first.body.id}`)).status).toBe(204);
    expect((await create('deleted later', key)).body).toEqual(first.body);
    expect(await stored('deleted later')).toBe(0);
  });

  it('keeps the key 24 hours', async () => {
    const key = randomUUID();
    await create('kept a day', key);
    const ttl = Number(await journal.redis.primary.command('TTL', `journal:idempotency::${key}`));
    expect(ttl).toBeGreaterThan(24 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(24 * 3600);
  });

  it('answers 422 for the same key with another text, storing nothing', async () => {
    const key = randomUUID();
    expect((await create('the first text', key)).status).toBe(201);
    const other = await create('another text', key);
    expectProblem(other, 422);
    expect(other.body.detail).toMatch(/Idempotency-Key/);
    expect(await stored('another text')).toBe(0);
  });

  it.each([
    ['empty', ''],
    ['129 characters', 'k'.repeat(129)],
    ['a space', 'two words'],
    ['a non-ASCII character', 'clé'],
  ])('answers 400 for a key that is %s', async (_, key) => {
    const reply = await call(journal.api.url, 'POST', '/api/entries', { text: 'bad key' }, { 'idempotency-key': key });
    expectProblem(reply, 400);
    expect(reply.body.detail).toMatch(/Idempotency-Key must be 1 to 128 visible ASCII characters/);
  });

  it('accepts 128 visible ASCII characters', async () => {
    const key = Array.from({ length: 128 }, (_, i) => String.fromCharCode(0x21 + (i % 94))).join('');
    expect((await create('long key', key)).status).toBe(201);
    expect((await create('long key', key)).status).toBe(201);
    expect(await stored('long key')).toBe(1);
  });

  it('stores exactly one entry for 8 simultaneous creates with one key; the others replay it or get 409', async () => {
    const key = randomUUID();
    const replies = await Promise.all(Array.from({ length: 8 }, () => create('eight at once', key)));
    const created = replies.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const reply of created) expect(reply.body).toEqual(created[0].body);
    for (const reply of replies.filter((r) => r.status !== 201)) {
      expectProblem(reply, 409);
      expect(reply.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    expect(await stored('eight at once')).toBe(1);
  });

  describe('while the replica is hung (SIGSTOP): the first request waits for it', () => {
    afterAll(() => journal.redis.replica.resume());

    it('answers 409 to the same key in flight, then 503 to the first; the retry gets the stored entry, never a second one', async () => {
      const key = randomUUID();
      const [second, firstReply] = await twiceWhileReplicaHung(journal.redis.replica, () => create('in flight', key));
      expectProblem(second, 409);
      expectProblem(firstReply, 503, 'write-not-confirmed');
      expect(await stored('in flight')).toBe(1); // stored on the primary, not acknowledged

      // While the replica is still hung, a retry is not acknowledged either (never a 201 unreplicated),
      // also through another pod, whose connection did not write the entry.
      expectProblem(await create('in flight', key), 503, 'write-not-confirmed');
      expectProblem(await create('in flight', key, otherPod.url), 503, 'write-not-confirmed');
      journal.redis.replica.resume();
      const retry = await create('in flight', key);
      expect(retry.status).toBe(201);
      expect(retry.body.text).toBe('in flight');
      expect(await stored('in flight')).toBe(1);
      expect((await call(journal.api.url, 'GET', `/api/entries/${retry.body.id}`)).body).toEqual(retry.body);
    });
  });

  it('creates without a key as before, each one a new entry', async () => {
    const [a, b] = [await create('no key'), await create('no key')];
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
  });
});
