import { describe, expect, it } from '@jest/globals';
import { commandCalls } from '../../bench/lib/redis-work.js';
import { call } from '../support/http.js';
import { useJournal } from '../support/journal.js';

// Concurrent writes share their WAITs (group commit). Replication runs through a proxy that delays
// it 40 ms each way, so every WAIT takes a while: writes arriving meanwhile must not each send one.
const journal = useJournal({ redis: { replicationDelayMs: 40 } });

const create = (text: string) => call(journal.api.url, 'POST', '/api/entries', { text });

describe('group commit', () => {
  it('50 simultaneous creates share a few WAITs, and every one is acknowledged and readable at once', async () => {
    expect((await create('warm-up')).status).toBe(201); // scripts loaded, replica count known
    await journal.redis.primary.command('CONFIG', 'RESETSTAT');
    const created = await Promise.all(Array.from({ length: 50 }, (_, i) => create(`together ${i}`)));
    expect(created.map((r) => r.status)).toEqual(Array(50).fill(201));
    const calls = await commandCalls(journal.redis.primary);
    // One create script each (its HEXISTS: never over an entry); the other EVALSHAs are the search indexer's batches.
    expect(calls.get('hexists')).toBe(50);
    // One WAIT per create would be 50.
    expect(calls.get('wait')).toBeLessThanOrEqual(10);
    const reads = await Promise.all(created.map(({ body }) => call(journal.api.url, 'GET', `/api/entries/${body.id}`)));
    expect(reads.map((r) => r.body)).toEqual(created.map((r) => r.body));
  });
});
