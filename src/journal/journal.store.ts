import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { RedisScripts } from '../redis/redis-client.factory.js';
import { ReplicaAcks } from '../redis/replica-acks.js';
import { Replication } from '../redis/replication.js';
import { REDIS_READER, REDIS_WRITER } from '../redis/redis.tokens.js';
import { fingerprint, idempotencyKeys, IN_FLIGHT_TTL_MS, RECORD_TTL_S } from './idempotency.js';

/**
 * The Redis data model (docs/adr/0004-redis-data-model.md):
 * - `journal:entries`: one sorted set; score = the entry's numeric id, member = the entry's JSON.
 *   Newest first is ZRANGE ... REV; get and delete by id are ZRANGE/ZREMRANGEBYSCORE on the score.
 * - `journal:next-id`: the id counter.
 * - `journal:idempotency:{writer}:{key}` and `journal:idempotency-in-flight:{writer}:{key}`: see idempotency.ts.
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

/**
 * Stores the entry under a new id: id and entry in one atomic step, no id without an entry, no
 * entry twice. With an Idempotency-Key (KEYS[3], the key's record; KEYS[4], its in-flight marker)
 * the record is written in the same step, so it is exactly as durable as the entry, and a key
 * seen before answers instead of creating: 'key-reused' (another text), 'key-in-flight' (the
 * first request is still waiting for its replicas), or 'replayed' with the first entry.
 * ARGV: the entry's JSON after its id, the text's fingerprint (fixed length), the record's and the
 * marker's lifetimes. The record is one string, fingerprint then entry: the smallest shape in Redis.
 */
const CREATE_SCRIPT = `
if KEYS[3] then
  local record = redis.call('GET', KEYS[3])
  if record then
    if string.sub(record, 1, #ARGV[2]) ~= ARGV[2] then return {'key-reused'} end
    if redis.call('EXISTS', KEYS[4]) == 1 then return {'key-in-flight'} end
    -- The WAIT that follows must cover the first request's entry, written maybe through another
    -- API pod's connection. WAIT waits for the offset of this connection's last command; Redis 7.0
    -- counts any command, but to depend on no such detail this is a write: one that changes
    -- nothing (the same expiry) and needs no memory, so it works on a full Redis too.
    redis.call('PEXPIREAT', KEYS[3], redis.call('PEXPIRETIME', KEYS[3]))
    return {'replayed', string.sub(record, #ARGV[2] + 1)}
  end
end
local id = redis.call('INCR', KEYS[2])
local entry = '{"id":"' .. id .. '",' .. ARGV[1]
redis.call('ZADD', KEYS[1], id, entry)
if KEYS[3] then
  redis.call('SET', KEYS[3], ARGV[2] .. entry, 'EX', ARGV[3])
  redis.call('SET', KEYS[4], '1', 'PX', ARGV[4])
end
return {'created', entry}`;

// Deletes the entry if `owner` (ARGV[2]) is empty (anyone may) or is the entry's author; one atomic
// step, so no other delete or write slips between the check and the removal.
// Returns 1 deleted, 0 no such entry, or the entry's author (false when it has none) if it is not the owner's.
const DELETE_SCRIPT = `
local entry = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[1], 'BYSCORE')[1]
if not entry then return 0 end
if ARGV[2] ~= '' then
  local author = cjson.decode(entry).author
  if author ~= ARGV[2] then return { author or false } end
end
return redis.call('ZREMRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])`;

// Total and page in one command; no-writes lets replicas run it.
const PAGE_SCRIPT = `#!lua flags=no-writes
return { redis.call('ZCARD', KEYS[1]), redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2], 'REV') }`;

/** The store's Lua scripts, defined on both clients where they are made (RedisModule.forRoot in AppModule). */
export const JOURNAL_SCRIPTS: RedisScripts = {
  createEntry: { lua: CREATE_SCRIPT },
  pageOfEntries: { numberOfKeys: 1, lua: PAGE_SCRIPT, readOnly: true },
  deleteEntry: { numberOfKeys: 1, lua: DELETE_SCRIPT },
};

type CreateReply = ['created' | 'replayed', string] | ['key-reused' | 'key-in-flight'];
type Scripted = Redis & {
  createEntry(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<CreateReply>;
  pageOfEntries(entriesKey: string, start: number, stop: number): Promise<[number, string[]]>;
  deleteEntry(entriesKey: string, id: number, owner: string): Promise<0 | 1 | [string | null]>;
};

/** Who writes and the request's Idempotency-Key, when it has one. */
export interface CreateOptions {
  /** The authenticated writer's name: the entry's author, and Idempotency-Keys are scoped per writer. */
  writer?: string;
  idempotencyKey?: string;
}

/** What a create did: the entry's JSON when it was stored now or before under the same key. */
export type CreateResult = { outcome: 'created' | 'replayed'; entry: string } | { outcome: 'key-reused' } | { outcome: 'key-in-flight' };

/** Redis refused a create because it is at its memory limit (maxmemory, noeviction). */
export class StorageFullError extends Error {
  constructor() {
    super('Redis is at its memory limit (maxmemory, noeviction): create refused');
  }
}

/** Entries as stored: JSON text, parsed by the caller. */
@Injectable()
export class JournalStore {
  private readonly writer: Scripted;
  private readonly reader: Scripted;

  constructor(
    @Inject(REDIS_WRITER) writer: Redis,
    @Inject(REDIS_READER) reader: Redis,
    private readonly replication: Replication,
    private readonly acks: ReplicaAcks,
  ) {
    this.writer = writer as Scripted;
    this.reader = reader as Scripted;
  }

  /**
   * Stores `{text, createdAt, author}` (no author when writes need no token) under a new id (or finds the entry its Idempotency-Key made) and
   * resolves once enough replicas have it (ReplicaAcks): then replicas serve it too. Rejects with
   * NotReplicatedError (maybe stored, not acknowledged) or StorageFullError (nothing stored).
   */
  async create(text: string, createdAt: string, options: CreateOptions = {}): Promise<CreateResult> {
    await this.acks.ensureEnoughReplicas();
    // JSON.stringify gives '{"text":...,"createdAt":...}'; the script puts the id in front.
    const rest = JSON.stringify({ text, createdAt, author: options.writer }).slice(1);
    const key = options.idempotencyKey === undefined ? undefined : idempotencyKeys(options.writer, options.idempotencyKey);
    let reply: CreateReply;
    try {
      reply = key
        ? await this.writer.createEntry(
            4,
            ENTRIES_KEY,
            NEXT_ID_KEY,
            key.record,
            key.inFlight,
            rest,
            fingerprint(text),
            RECORD_TTL_S,
            IN_FLIGHT_TTL_MS,
          )
        : await this.writer.createEntry(2, ENTRIES_KEY, NEXT_ID_KEY, rest);
    } catch (error) {
      // The script checks memory at its first write, so nothing of the entry was stored.
      if (/^OOM /.test((error as Error).message)) throw new StorageFullError();
      throw error;
    }
    const [outcome, entry] = reply;
    if (outcome === 'key-reused' || outcome === 'key-in-flight') return { outcome };
    try {
      await this.acks.confirm();
    } finally {
      // Answered either way: a retry with the key may now replay (once replicated). Sent before the
      // answer on the same connection, so a later request through this API process finds it gone.
      if (key && outcome === 'created') this.writer.del(key.inFlight).catch(() => undefined);
    }
    return { outcome, entry: entry! };
  }

  /** One page, newest first, and the total. */
  async page(offset: number, limit: number): Promise<{ total: number; entries: string[] }> {
    const [total, entries] = await this.read((client) => client.pageOfEntries(ENTRIES_KEY, offset, offset + limit - 1));
    return { total, entries };
  }

  /**
   * The entry, from a replica; one the replica lacks is looked for on the primary before it is
   * called missing. A replica can be behind an acknowledged write: a write needs only
   * REDIS_MIN_REPLICA_ACKS of them, another API pod made it, or the replica is resyncing after a
   * failover. If the primary does not answer, the replica's answer stands.
   */
  async get(id: number): Promise<string | undefined> {
    const score = String(id);
    return this.read(async (client) => {
      const [entry] = await client.zrange(ENTRIES_KEY, score, score, 'BYSCORE');
      if (entry !== undefined || client === this.writer || !connected(this.writer)) return entry;
      const [onPrimary] = await this.writer.zrange(ENTRIES_KEY, score, score, 'BYSCORE').catch(() => []);
      return onPrimary;
    });
  }

  /**
   * Removes the entry if `owner` is undefined (anyone may) or its author. 'deleted' only if this call
   * removed it (of concurrent deletes, exactly one gets it), and only once enough replicas have the
   * removal. Not the owner's: its author (none: null).
   */
  async delete(id: number, owner?: string): Promise<'deleted' | 'not-found' | { author: string | null }> {
    await this.acks.ensureEnoughReplicas();
    const result = await this.writer.deleteEntry(ENTRIES_KEY, id, owner ?? '');
    if (Array.isArray(result)) return { author: result[0] };
    if (result !== 1) return 'not-found';
    await this.acks.confirm();
    return 'deleted';
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
        // Let the event loop run before the next attempt: a client can fail a command at once, without
        // the network, and retrying in promise callbacks alone would never let it handle its own close
        // (it stays 'ready') and would stall every other request of this process until the deadline.
        await new Promise((resolve) => setImmediate(resolve));
        const other = client === this.reader ? this.writer : this.reader;
        client = await this.whenConnected([other, client], deadline);
        if (!client) throw error;
      }
    }
  }

  private readClient(): Scripted | undefined {
    const writerUp = connected(this.writer);
    if (connected(this.reader) && (this.replication.readerInSync || !writerUp)) return this.reader;
    return writerUp ? this.writer : undefined;
  }

  /** The first of `clients` that is connected, waiting for one until `deadline` (then none). */
  private async whenConnected(clients: Scripted[], deadline: number): Promise<Scripted | undefined> {
    while (Date.now() < deadline) {
      const ready = clients.find(connected);
      if (ready) return ready;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return undefined;
  }
}

/**
 * Able to send a command now. When Redis closes a connection, the socket stops taking writes at
 * once but ioredis says 'ready' until its close handler has run: such a client fails every command
 * with "Stream isn't writeable".
 */
function connected(client: Redis): boolean {
  return client.status === 'ready' && client.stream.writable;
}
