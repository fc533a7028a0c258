import { Redis } from 'ioredis';
import { newEntryId } from '../../src/journal/entry-id.js';
import { ENTRY_KEY, ENTRY_WORDS_KEY, PUBLIC_KEY, TIMELINE_KEY, WORD_PREFIX, WORDS_KEY } from '../../src/journal/journal.store.js';
import { indexedWords } from '../../src/journal/words.js';
import type { RedisPair } from '../../test/support/redis.js';
import { waitFor } from '../../test/support/ports.js';

const ENTRIES_PER_COMMAND = 1000;
const COMMANDS_PER_PIPELINE = 50;
const FIRST_CREATED_AT = Date.parse('2026-01-01T00:00:00Z');

const defaultText = (n: number) => `Entry ${n}: a preloaded line of about the length people write.`;

/**
 * Writes `count` public entries (`text(n)` each) straight into Redis, shaped as the store's
 * create script writes them: the entry's JSON with the id first under its id, the id in the
 * timeline and the public set at its time, its words in the search index.
 */
export async function preloadEntries(redis: RedisPair, count: number, text: (n: number) => string = defaultText): Promise<void> {
  const client = new Redis({ port: redis.primary.port, host: '127.0.0.1', password: redis.password });
  try {
    for (let first = 1; first <= count; first += ENTRIES_PER_COMMAND * COMMANDS_PER_PIPELINE) {
      const pipeline = client.pipeline();
      for (let start = first; start < first + ENTRIES_PER_COMMAND * COMMANDS_PER_PIPELINE && start <= count; start += ENTRIES_PER_COMMAND) {
        const entries: string[] = [];
        const timeline: (string | number)[] = [];
        const indexed: string[] = [];
        const postings = new Map<string, string[]>();
        for (let n = start; n < start + ENTRIES_PER_COMMAND && n <= count; n++) {
          const at = FIRST_CREATED_AT + n * 1000;
          const id = newEntryId(at);
          const words = indexedWords(text(n));
          entries.push(id, JSON.stringify({ id, text: text(n), createdAt: new Date(at).toISOString() }));
          timeline.push(at, id);
          indexed.push(id, words);
          for (const word of words.split(' ').filter(Boolean)) {
            if (!postings.has(word)) postings.set(word, []);
            postings.get(word)!.push(id);
          }
        }
        pipeline.hset(ENTRY_KEY, ...entries);
        pipeline.zadd(TIMELINE_KEY, ...timeline);
        pipeline.zadd(PUBLIC_KEY, ...timeline);
        pipeline.hset(ENTRY_WORDS_KEY, ...indexed);
        for (const [word, members] of postings) pipeline.sadd(WORD_PREFIX + word, ...members);
        pipeline.zadd(WORDS_KEY, ...[...postings.keys()].flatMap((word) => [0, word]));
      }
      await pipeline.exec();
    }
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
