import { describe, expect, it, jest } from '@jest/globals';
import type { Redis } from 'ioredis';
import type { ReplicaAcks } from '../redis/replica-acks.js';
import { ReplicatedRedis } from '../redis/replicated-redis.js';
import type { Replication } from '../redis/replication.js';
import { ENTRY_KEY, JournalStore } from './journal.store.js';
import type { SearchIndexer } from './search-indexer.js';

/** A stand-in client that holds at most one entry; the Redis side itself is tested in test/api. */
function holding(entry: string | null) {
  return { status: 'ready', stream: { writable: true }, hget: jest.fn(async () => entry) } as unknown as Redis & { hget: jest.Mock };
}
const inSync = { readerInSync: true } as unknown as Replication;

/** The store on a replica (`reader`) and its primary (`writer`). */
function store(writer: Redis, reader: Redis): JournalStore {
  return new JournalStore(new ReplicatedRedis(writer, reader, inSync, {} as ReplicaAcks), {} as SearchIndexer);
}

describe('JournalStore.get: read-your-writes', () => {
  // The replica can lag behind an acknowledged create: another API pod made it, or it is resyncing.
  it('finds on the primary an entry the replica does not have yet', async () => {
    const reader = holding(null);
    const writer = holding('{"id":"1"}');
    expect(await store(writer, reader).get('1')).toBe('{"id":"1"}');
    expect(reader.hget).toHaveBeenCalledWith(ENTRY_KEY, '1');
    expect(writer.hget).toHaveBeenCalledWith(ENTRY_KEY, '1');
  });

  it('asks only the replica when it has the entry', async () => {
    const reader = holding('{"id":"1"}');
    const writer = holding(null);
    expect(await store(writer, reader).get('1')).toBe('{"id":"1"}');
    expect(writer.hget).not.toHaveBeenCalled();
  });

  it('calls the entry missing when the primary lacks it too', async () => {
    expect(await store(holding(null), holding(null)).get('1')).toBeUndefined();
  });
});
