import { Redis } from 'ioredis';
import { ENTRIES_KEY, NEXT_ID_KEY } from '../../src/journal/journal.store.js';
import type { RedisPair } from '../../test/support/redis.js';
import { waitFor } from '../../test/support/ports.js';

const MEMBERS_PER_ZADD = 1000;
const ZADDS_PER_PIPELINE = 50;
const FIRST_CREATED_AT = Date.parse('2026-01-01T00:00:00Z');

/**
 * Writes `count` entries straight into Redis, shaped as the store's create script writes them
 * (score = id, member = the entry's JSON with the id first), and sets the id counter past them.
 */
export async function preloadEntries(redis: RedisPair, count: number): Promise<void> {
  const client = new Redis({ port: redis.primary.port, host: '127.0.0.1', password: redis.password });
  try {
    for (let first = 1; first <= count; first += MEMBERS_PER_ZADD * ZADDS_PER_PIPELINE) {
      const pipeline = client.pipeline();
      for (let start = first; start < first + MEMBERS_PER_ZADD * ZADDS_PER_PIPELINE && start <= count; start += MEMBERS_PER_ZADD) {
        const args: (string | number)[] = [];
        for (let id = start; id < start + MEMBERS_PER_ZADD && id <= count; id++) {
          const createdAt = new Date(FIRST_CREATED_AT + id * 1000).toISOString();
          args.push(
            id,
            JSON.stringify({ id: String(id), text: `Entry ${id}: a preloaded line of about the length people write.`, createdAt }),
          );
        }
        pipeline.zadd(ENTRIES_KEY, ...args);
      }
      await pipeline.exec();
    }
    await client.set(NEXT_ID_KEY, count);
  } finally {
    client.disconnect();
  }
  // A million entries take the replica a while; its own 10 s wait may be too short.
  await waitFor('the replica to catch up with the preload', () => redis.waitForSync().then(() => true), 120_000);
  // The preload grows the AOF past its rewrite threshold: let both nodes finish the background
  // rewrite (a fork writing the whole set) so that it does not run during the measurements.
  for (const node of [redis.primary, redis.replica]) {
    await waitFor(
      `${node.name} to finish rewriting its AOF`,
      async () => {
        const info = String(await node.command('INFO', 'persistence'));
        return /aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info) ? true : undefined;
      },
      120_000,
    );
  }
}
