import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { REDIS_WRITER } from '../redis/redis.tokens.js';
import type { Owned } from './access.js';
import { digestOf } from './etag.js';
import { ENTRY_KEY, ENTRY_WORDS_KEY, INDEX_LUA, TIMELINE_KEY, visibilityKey } from './journal.store.js';
import { LegacyEntries } from './legacy-entries.js';
import { LegacyWordIndex } from './legacy-word-index.js';
import { SearchIndexer } from './search-indexer.js';
import { indexedWords } from './words.js';

const BATCH = 500;
/** How often the counts are compared again: during a rolling update, pods of the version before add unindexed entries. */
const SWEEP_MS = 10_000;

/**
 * Indexes entries (ARGV: id, SHA-1 of the JSON read, visibility set, words; repeated) that are
 * still that version and still unindexed: each into its visibility set at its timeline time, and
 * its words for search (SearchIndexer takes them from there), in one atomic step. Returns how many
 * it indexed.
 */
const INDEX_SCRIPT = `${INDEX_LUA}
local done = 0
for i = 1, #ARGV, 4 do
  local id = ARGV[i]
  local entry = redis.call('HGET', KEYS[1], id)
  local at = redis.call('ZSCORE', KEYS[2], id)
  if entry and at and redis.sha1hex(entry) == ARGV[i + 1] and redis.call('HEXISTS', '${ENTRY_WORDS_KEY}', id) == 0 then
    redis.call('ZADD', ARGV[i + 2], at, id)
    index(id, ARGV[i + 3])
    done = done + 1
  end
end
return done`;

/**
 * Brings entries stored by earlier versions into the current model: whenever the writer connects
 * and every SWEEP_MS, it moves those of the numeric-id model (LegacyEntries), then, when the
 * journal holds more entries than the index (two HLENs when there is nothing to do), walks the
 * entries with HSCAN, BATCH at a time, and puts those stored before the visibility sets and the
 * search index (or by API pods of that version during a rolling update) into both; then it queues
 * the entries of the earlier search index's sorted sets for the current one (LegacyWordIndex); last,
 * it has SearchIndexer index whatever is queued. A primary that is down or read-only is tried again
 * at the next sweep.
 */
@Injectable()
export class EntryIndex implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EntryIndex.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    @Inject(REDIS_WRITER) private readonly writer: Redis,
    private readonly legacy: LegacyEntries,
    private readonly legacyWords: LegacyWordIndex,
    private readonly searchIndexer: SearchIndexer,
  ) {}

  onApplicationBootstrap(): void {
    this.writer.on('ready', () => this.sweep());
    this.sweep();
    this.timer = setInterval(() => this.sweep(), SWEEP_MS).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** Indexes every entry that is not yet; resolves with how many. */
  async indexAll(): Promise<number> {
    const [entries, indexed] = await Promise.all([this.writer.hlen(ENTRY_KEY), this.writer.hlen(ENTRY_WORDS_KEY)]);
    if (indexed >= entries) return 0;
    let done = 0;
    let cursor = '0';
    do {
      const [next, pairs] = await this.writer.hscan(ENTRY_KEY, cursor, 'COUNT', BATCH);
      cursor = next;
      const ids = pairs.filter((_, i) => i % 2 === 0);
      const known = ids.length === 0 ? [] : await this.writer.hmget(ENTRY_WORDS_KEY, ...ids);
      const args: string[] = [];
      ids.forEach((id, i) => {
        if (known[i] === null) args.push(id, ...indexArgs(pairs[2 * i + 1]!));
      });
      if (args.length > 0) done += Number(await this.writer.eval(INDEX_SCRIPT, 2, ENTRY_KEY, TIMELINE_KEY, ...args));
    } while (cursor !== '0');
    return done;
  }

  private sweep(): void {
    if (this.sweeping || this.writer.status !== 'ready') return;
    this.sweeping = (async () => {
      const moved = await this.legacy.moveAll();
      if (moved > 0) this.logger.log(`moved ${moved} entries stored before ULIDs to the current model (their ids stay)`);
      const done = await this.indexAll();
      if (done > 0) this.logger.log(`indexed ${done} entries stored before the search index and private entries`);
      const drained = await this.legacyWords.drainAll();
      if (drained > 0) this.logger.log(`queued the entries of ${drained} words of the earlier search index for the current one`);
      // What this sweep queued, and what other pods left queued (one that stopped before its batch).
      await this.searchIndexer.sweep();
    })()
      .catch((error: unknown) =>
        this.logger.warn(
          `bringing stored entries into the current model failed, tried again in ${SWEEP_MS / 1000} s: ${(error as Error).message}`,
        ),
      )
      .finally(() => (this.sweeping = undefined));
  }
}

/** Digest, visibility set and words of a stored entry; an unreadable one stays public (its 500 shows, as before) with no words. */
function indexArgs(json: string): [string, string, string] {
  let entry: Owned & { text?: unknown };
  try {
    entry = JSON.parse(json) as Owned & { text?: unknown };
  } catch {
    entry = {};
  }
  return [digestOf(json), visibilityKey(entry), typeof entry.text === 'string' ? indexedWords(entry.text) : ''];
}
