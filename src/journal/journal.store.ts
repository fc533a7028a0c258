import { Inject, Injectable } from '@nestjs/common';
import type { ChainableCommander, Redis } from 'ioredis';
import { Replication } from '../redis/replication.js';
import { REDIS_READER, REDIS_WRITER } from '../redis/redis.tokens.js';

/**
 * The Redis data model (README "Redis data model"):
 * - `journal:entries`: one sorted set; score = the entry's numeric id, member = the entry's JSON.
 *   Newest first is ZRANGE ... REV; get and delete by id are ZRANGE/ZREMRANGEBYSCORE on the score.
 * - `journal:next-id`: the id counter.
 */
export const ENTRIES_KEY = 'journal:entries';
export const NEXT_ID_KEY = 'journal:next-id';

/**
 * How long after its start a read may still start an attempt. Through a Sentinel
 * failover both clients reconnect (the promoted replica drops its clients, the writer follows
 * +switch-master, sometimes twice as the Sentinels learn it a second apart): measured up to ~1 s.
 * With neither client back in that time the read is a 503 within 2 s; with attempts timing out
 * (800 ms each), a read still ends within 2.3 s.
 */
const READ_WAIT_MS = 1500;

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
   * (old data) while the primary is up. A read that fails is tried again, on the other client if it
   * is connected, and a read finding neither connected waits for one: through a failover (clients
   * reconnecting to the new primary or another replica) reads keep working. No new attempt starts
   * later than READ_WAIT_MS after the read began.
   */
  private async read<T>(command: (client: Scripted) => Promise<T>): Promise<T> {
    const deadline = Date.now() + READ_WAIT_MS;
    let client = this.readClient() ?? (await this.whenConnected([this.reader, this.writer], deadline));
    for (;;) {
      if (!client) throw new Error('neither the reader nor the writer is connected');
      try {
        return await command(client);
      } catch (error) {
        const other = client === this.reader ? this.writer : this.reader;
        client = await this.whenConnected([other, client], deadline);
        if (!client) throw error;
      }
    }
  }

  private readClient(): Scripted | undefined {
    const writerUp = this.writer.status === 'ready';
    if (this.reader.status === 'ready' && (this.replication.readerInSync || !writerUp)) return this.reader;
    return writerUp ? this.writer : undefined;
  }

  /** The first of `clients` that is connected, waiting for one until `deadline` (then none). */
  private async whenConnected(clients: Scripted[], deadline: number): Promise<Scripted | undefined> {
    while (Date.now() < deadline) {
      const ready = clients.find((client) => client.status === 'ready');
      if (ready) return ready;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return undefined;
  }
}
