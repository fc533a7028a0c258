import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_WRITER } from '../redis/redis.tokens.js';
import { ENTRY_KEY, TIMELINE_KEY } from './journal.store.js';

/** Where entries were kept before ULIDs: a sorted set, score = the counter's id, member = the entry's JSON. */
export const LEGACY_ENTRIES_KEY = 'journal:entries';
const LEGACY_NEXT_ID_KEY = 'journal:next-id';
const BATCH = 500;
/**
 * Moves entries (ARGV: id, time in ms, JSON, repeated) from the old set to the entry hash and the
 * timeline, each only if it is still in the old set (an old pod may have deleted it meanwhile), in
 * one atomic step. Returns how many moved.
 */
const MOVE_SCRIPT = `
local moved = 0
for i = 1, #ARGV, 3 do
  if redis.call('ZREM', KEYS[1], ARGV[i + 2]) == 1 then
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
    redis.call('ZADD', KEYS[3], ARGV[i + 1], ARGV[i])
    moved = moved + 1
  end
end
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('DEL', KEYS[4]) end
return moved`;

/**
 * Brings a journal stored before ULIDs into the current model, keeping each entry's numeric id and
 * JSON as they are. EntryIndex runs it at each of its sweeps (whenever the writer connects, then
 * every 10 s; one EXISTS when there is nothing to move), before indexing what it moved: during a
 * rolling update the API pods of the old version still add entries to the old set.
 */
@Injectable()
export class LegacyEntries {
  constructor(@Inject(REDIS_WRITER) private readonly writer: Redis) {}

  /** Moves every entry of the old set; resolves with how many moved. */
  async moveAll(): Promise<number> {
    let moved = 0;
    for (;;) {
      const batch = (await this.writer.zrange(LEGACY_ENTRIES_KEY, 0, String(BATCH - 1), 'WITHSCORES')) as string[];
      if (batch.length === 0) return moved;
      const args: string[] = [];
      for (let i = 0; i < batch.length; i += 2) args.push(batch[i + 1]!, String(createdAtMs(batch[i]!)), batch[i]!);
      moved += Number(await this.writer.eval(MOVE_SCRIPT, 4, [LEGACY_ENTRIES_KEY, ENTRY_KEY, TIMELINE_KEY, LEGACY_NEXT_ID_KEY, ...args]));
    }
  }
}

/** The entry's createdAt in ms for its place in the timeline; 0 (the oldest) when unreadable. */
function createdAtMs(json: string): number {
  try {
    const time = Date.parse((JSON.parse(json) as { createdAt?: string }).createdAt ?? '');
    return Number.isNaN(time) ? 0 : time;
  } catch {
    return 0;
  }
}
