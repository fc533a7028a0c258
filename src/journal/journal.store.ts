import { Inject, Injectable } from '@nestjs/common';
import type { ChainableCommander, Redis } from 'ioredis';
import { Replication } from '../redis/replication.js';
import { REDIS_READER, REDIS_WRITER } from '../redis/redis.tokens.js';

/**
 * The Redis data model (docs/adr/0004-redis-data-model.md):
 * - `journal:entries`: one sorted set; score = the entry's numeric id, member = the entry's JSON.
 *   Newest first is ZRANGE ... REV; get and delete by id are ZRANGE/ZREMRANGEBYSCORE on the score.
 * - `journal:next-id`: the id counter.
 */
export const ENTRIES_KEY = 'journal:entries';
export const NEXT_ID_KEY = 'journal:next-id';

/** Longest a write waits for its replicas to confirm it; below the client's command timeout. */
const REPLICA_WAIT_MS = 500;

// Id and entry in one atomic step: no id without an entry, no entry twice.
const CREATE_SCRIPT = `
local id = redis.call('INCR', KEYS[2])
local entry = '{"id":"' .. id .. '",' .. ARGV[1]
redis.call('ZADD', KEYS[1], id, entry)
return entry`;

// Total and page in one command; no-writes lets replicas run it.
const PAGE_SCRIPT = `#!lua flags=no-writes
return { redis.call('ZCARD', KEYS[1]), redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2], 'REV') }`;

type Scripted = Redis & {
  createEntry(entriesKey: string, nextIdKey: string, rest: string): Promise<string>;
  pageOfEntries(entriesKey: string, start: number, stop: number): Promise<[number, string[]]>;
};
type ScriptedPipeline = ChainableCommander & {
  createEntry(entriesKey: string, nextIdKey: string, rest: string): ChainableCommander;
};

/** Entries as stored: JSON text, parsed by the caller. Every method is one Redis round trip. */
@Injectable()
export class JournalStore {
  private readonly writer: Scripted;
  private readonly reader: Scripted;

  constructor(
    @Inject(REDIS_WRITER) writer: Redis,
    @Inject(REDIS_READER) reader: Redis,
    private readonly replication: Replication,
  ) {
    for (const client of [writer, reader]) {
      client.defineCommand('createEntry', { numberOfKeys: 2, lua: CREATE_SCRIPT });
      client.defineCommand('pageOfEntries', { numberOfKeys: 1, lua: PAGE_SCRIPT, readOnly: true });
    }
    this.writer = writer as Scripted;
    this.reader = reader as Scripted;
  }

  /**
   * Stores `{text, createdAt}` under a new id and returns the entry's JSON. The script and a WAIT
   * for every replica go out in one pipeline: when this returns, replicas serve the entry too.
   */
  async create(text: string, createdAt: string): Promise<string> {
    // JSON.stringify gives '{"text":...,"createdAt":...}'; the script puts the id in front.
    const rest = JSON.stringify({ text, createdAt }).slice(1);
    const replicas = await this.replication.replicaCount();
    if (replicas === 0) return this.writer.createEntry(ENTRIES_KEY, NEXT_ID_KEY, rest);
    const results = await (this.writer.pipeline() as ScriptedPipeline)
      .createEntry(ENTRIES_KEY, NEXT_ID_KEY, rest)
      .wait(replicas, REPLICA_WAIT_MS)
      .exec();
    const [[createError, entry], [, acknowledged]] = results as [[Error | null, string], [Error | null, number]];
    if (createError) throw createError;
    // A replica went away (or lags): learn the new count instead of waiting on it every time.
    if (typeof acknowledged !== 'number' || acknowledged < replicas) void this.replication.refreshReplicas();
    return entry;
  }

  /** One page, newest first, and the total. */
  async page(offset: number, limit: number): Promise<{ total: number; entries: string[] }> {
    const [total, entries] = await this.read((client) =>
      client.pageOfEntries(ENTRIES_KEY, offset, offset + limit - 1),
    );
    return { total, entries };
  }

  async get(id: number): Promise<string | undefined> {
    const [entry] = await this.read((client) => client.zrange(ENTRIES_KEY, String(id), String(id), 'BYSCORE'));
    return entry;
  }

  /** True if this call removed the entry: of concurrent deletes, exactly one gets true. */
  async delete(id: number): Promise<boolean> {
    return (await this.writer.zremrangebyscore(ENTRIES_KEY, id, id)) === 1;
  }

  /**
   * Reads go to the replicas; to the primary when they are unreachable, or cut off from the primary
   * (old data) while the primary is up.
   */
  private async read<T>(command: (client: Scripted) => Promise<T>): Promise<T> {
    const writerUp = this.writer.status === 'ready';
    if (this.reader.status === 'ready' && (this.replication.readerInSync || !writerUp)) {
      try {
        return await command(this.reader);
      } catch (error) {
        if (!writerUp) throw error;
      }
    }
    return command(this.writer);
  }
}
