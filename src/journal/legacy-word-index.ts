import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_WRITER } from '../redis/redis.tokens.js';
import { UNINDEXED_KEY } from './journal.store.js';

/** Where the words' postings were kept before the batched index: a sorted set per word, score = createdAt. */
export const LEGACY_WORD_PREFIX = 'journal:word:';
/**
 * The earlier index's list of words. Pods of that version take a word out of it when the word's
 * sorted set empties, which the drain makes happen: the current index keeps its own list.
 */
const LEGACY_WORDS_KEY = 'journal:words';
const BATCH = 1000;

/**
 * Moves up to ARGV[1] members of an old word's sorted set (KEYS[1]) into the queue of entries to
 * index (the entries' words are in `journal:entry-words` already), in one atomic step; returns
 * how many are left. The emptied set disappears, as Redis drops empty keys.
 */
const DRAIN_SCRIPT = `
local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #ids > 0 then
  redis.call('SADD', '${UNINDEXED_KEY}', unpack(ids))
  redis.call('ZREM', KEYS[1], unpack(ids))
end
return redis.call('ZCARD', KEYS[1])`;

/**
 * Brings a search index of the earlier model (a sorted set per word, written by the create
 * script) into the current one: every entry it lists goes into the queue that SearchIndexer
 * empties into the word sets, and the earlier list of words goes. EntryIndex runs it at each
 * sweep: during a rolling update, API pods of the earlier version still write sorted sets. One
 * SCAN over the keys when there is nothing to move.
 */
@Injectable()
export class LegacyWordIndex {
  constructor(@Inject(REDIS_WRITER) private readonly writer: Redis) {}

  /** Queues every entry the old word sets list; resolves with how many sets it emptied. */
  async drainAll(): Promise<number> {
    let drained = 0;
    let cursor = '0';
    do {
      // ioredis' typings lack SCAN's TYPE option.
      const [next, keys] = (await this.writer.call('SCAN', cursor, 'MATCH', `${LEGACY_WORD_PREFIX}*`, 'TYPE', 'zset', 'COUNT', BATCH)) as [
        string,
        string[],
      ];
      cursor = next;
      for (const key of keys) {
        let left: number;
        do left = Number(await this.writer.eval(DRAIN_SCRIPT, 1, key, BATCH));
        while (left > 0);
        drained++;
      }
    } while (cursor !== '0');
    if (drained > 0) await this.writer.unlink(LEGACY_WORDS_KEY);
    return drained;
  }
}
