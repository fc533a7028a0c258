import { beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiProcess } from '../support/api.js';
import { call } from '../support/http.js';
import { useJournal } from '../support/journal.js';
import type { RedisPair } from '../support/redis.js';
import { storedEntries } from '../support/stored-entries.js';

// Replication runs through a proxy that delays it 40 ms each way, like a busy network between pods.
let redis: RedisPair;
let api: ApiProcess;

const journal = useJournal({ redis: { replicationDelayMs: 40 } });
beforeAll(() => {
  ({ redis, api } = journal);
});

const commandCalls = async (node: RedisPair['replica'], command: string) =>
  Number(
    /calls=(\d+)/.exec(
      String(await node.command('INFO', 'commandstats'))
        .split('\n')
        .find((l) => l.startsWith(`cmdstat_${command}:`)) ?? '',
    )?.[1] ?? 0,
  );

describe('read-your-writes with reads on a lagging replica', () => {
  it('serves reads from the replica, and the lag is real (a write without WAIT is not there at once)', async () => {
    const before = await commandCalls(redis.replica, 'hget');
    expect((await call(api.url, 'GET', '/api/entries/1')).status).toBe(404);
    expect(await commandCalls(redis.replica, 'hget')).toBeGreaterThan(before);
    // Written straight to the primary, bypassing the API's WAIT: the replica does not have it yet.
    await storedEntries.put(redis.primary, '900000', '{"id":"900000","text":"raw","createdAt":"2026-01-01T00:00:00.000Z"}');
    expect(await storedEntries.get(redis.replica, '900000')).toBeNull();
    await storedEntries.remove(redis.primary, '900000');
    await redis.waitForSync();
  });

  it('looks on the primary for an entry the replica lacks before answering 404', async () => {
    // The replica, linked and in sync by every measure, lacks one entry the primary holds: removed
    // on the replica itself, so it stays missing however long the request takes.
    await storedEntries.put(redis.primary, '900001', '{"id":"900001","text":"raw","createdAt":"2026-01-01T00:00:00.000Z"}');
    await redis.waitForSync();
    await redis.replica.command('CONFIG', 'SET', 'replica-read-only', 'no');
    try {
      await storedEntries.remove(redis.replica, '900001');
      const reply = await call(api.url, 'GET', '/api/entries/900001');
      expect(reply.status).toBe(200);
      expect(reply.body.text).toBe('raw');
    } finally {
      await redis.replica.command('CONFIG', 'SET', 'replica-read-only', 'yes');
      await storedEntries.remove(redis.primary, '900001');
      await redis.waitForSync();
    }
    expect((await call(api.url, 'GET', '/api/entries/900001')).status).toBe(404);
  });

  it('right after a 201 the client sees the entry by id and on page 1', async () => {
    for (let i = 0; i < 15; i++) {
      const created = await call(api.url, 'POST', '/api/entries', { text: `ryw ${i}` });
      expect(created.status).toBe(201);
      const [byId, page] = await Promise.all([
        call(api.url, 'GET', `/api/entries/${created.body.id}`),
        call(api.url, 'GET', '/api/entries?page=1'),
      ]);
      expect(byId.status).toBe(200);
      expect(byId.body).toEqual(created.body);
      expect(page.body.entries[0]).toEqual(created.body);
    }
  });
});
