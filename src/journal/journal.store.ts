import { Injectable } from '@nestjs/common';
import type { ChainableCommander, Redis } from 'ioredis';
import type { RedisScripts } from '../redis/redis-client.factory.js';
import { ReplicatedRedis } from '../redis/replicated-redis.js';
import type { Owned } from './access.js';
import type { Entry } from './entry.contract.js';
import { fingerprint, idempotencyKeys, IN_FLIGHT_TTL_MS, RECORD_TTL_S } from './idempotency.js';
import { SearchIndexer } from './search-indexer.js';
import { indexedWords } from './words.js';

/**
 * The Redis data model (docs/adr/0004-redis-data-model.md):
 * - `journal:entry`: a hash, field = the entry's id, value = the entry's JSON.
 * - `journal:timeline`: a sorted set of every entry, score = createdAt in ms, member = the id: newest first is ZRANGE ... REV.
 * - `journal:public`: the same for public entries only; `journal:private:{author}`: an author's private entries
 *   (`journal:private:` for private entries without an author). Each entry is in exactly one of these.
 * - The search index (docs/adr/0012-search.md): `journal:entries-with:{word}` a set of the entries
 *   holding the word; `journal:index-words` every indexed word (score 0, for prefixes by ZRANGEBYLEX);
 *   `journal:entry-words`: a hash, id = the entry's words (what to index, and take out again);
 *   `journal:unindexed`: a set of the entries whose words are not in the word sets yet
 *   (SearchIndexer moves them in batches; search reads them too).
 * - `journal:idempotency:{author}:{key}` and `journal:idempotency-in-flight:{author}:{key}`: see idempotency.ts.
 * Ids are made by the API (newEntryId), never by a counter in Redis: a primary that lost writes in a
 * failover cannot hand a lost entry's id out again.
 */
export const ENTRY_KEY = 'journal:entry';
export const TIMELINE_KEY = 'journal:timeline';
export const PUBLIC_KEY = 'journal:public';
const PRIVATE_PREFIX = 'journal:private:';
export const ENTRY_WORDS_KEY = 'journal:entry-words';
export const WORDS_KEY = 'journal:index-words';
export const WORD_PREFIX = 'journal:entries-with:';
export const UNINDEXED_KEY = 'journal:unindexed';

/** The sorted set that lists an entry besides the timeline: who may see it. */
export function visibilityKey(entry: Owned): string {
  return entry.private === true ? PRIVATE_PREFIX + (entry.author ?? '') : PUBLIC_KEY;
}

/** Whose entries a page or a search may hold: every entry (admins), the public ones, or those plus one author's private ones. */
export type Audience = { all: true } | { all: false; author?: string };

/**
 * Lua shared by the write scripts. A write records the entry's words and queues the entry for the
 * search index in the same atomic step as the entry; the word sets are filled later, in batches
 * (INDEX_BATCH_SCRIPT, docs/adr/0012-search.md): one call per word would make every write's script
 * several times longer, on the primary and again on each replica, and acknowledgements wait for
 * both. Keys are built in the script (one Redis, no Cluster slots to respect).
 */
export const INDEX_LUA = `
-- Takes the entry out of the sets of its recorded words that are not in keep (word -> true). It is
-- in no set of a word recorded since the last batch: SREM does nothing there.
local function drop(id, keep)
  local words = redis.call('HGET', '${ENTRY_WORDS_KEY}', id)
  if not words then return end
  for word in string.gmatch(words, '%S+') do
    if not keep[word] then
      local key = '${WORD_PREFIX}' .. word
      redis.call('SREM', key, id)
      if redis.call('EXISTS', key) == 0 then redis.call('ZREM', '${WORDS_KEY}', word) end
    end
  end
end
local function index(id, words)
  redis.call('HSET', '${ENTRY_WORDS_KEY}', id, words)
  redis.call('SADD', '${UNINDEXED_KEY}', id)
end
local function unindex(id)
  redis.call('SREM', '${UNINDEXED_KEY}', id)
  drop(id, {})
  redis.call('HDEL', '${ENTRY_WORDS_KEY}', id)
end
-- An edit: the words it keeps stay in their sets, so a search meanwhile still finds it there; the
-- others go, and the new ones are queued.
local function reindex(id, words)
  if redis.call('HGET', '${ENTRY_WORDS_KEY}', id) == words then return end
  local keep = {}
  for word in string.gmatch(words, '%S+') do keep[word] = true end
  drop(id, keep)
  index(id, words)
end
`;

/**
 * Moves queued entries into the word sets, at most ARGV[1] postings (at least one
 * entry) per call so that no call holds Redis long: one SADD per distinct word of the batch, not
 * one call per posting. Returns how many entries it indexed and how many are still queued.
 */
const INDEX_BATCH_SCRIPT = `
local queued = redis.call('SRANDMEMBER', '${UNINDEXED_KEY}', 100)
local done, postings, members, words = {}, 0, {}, {}
for _, id in ipairs(queued) do
  if postings >= tonumber(ARGV[1]) then break end
  done[#done + 1] = id
  -- None when an API pod of the version before deleted it (its delete leaves the queue as it was).
  for word in string.gmatch(redis.call('HGET', '${ENTRY_WORDS_KEY}', id) or '', '%S+') do
    if not members[word] then
      members[word] = {}
      words[#words + 1] = word
    end
    table.insert(members[word], id)
    postings = postings + 1
  end
end
-- Lua's unpack takes at most 8000 values: 1000 at a time.
local function add(command, key, values)
  for from = 1, #values, 1000 do redis.call(command, key, unpack(values, from, math.min(from + 999, #values))) end
end
local listed = {}
for _, word in ipairs(words) do
  add('SADD', '${WORD_PREFIX}' .. word, members[word])
  listed[#listed + 1] = 0
  listed[#listed + 1] = word
end
add('ZADD', '${WORDS_KEY}', listed)
if #done > 0 then redis.call('SREM', '${UNINDEXED_KEY}', unpack(done)) end
return { #done, redis.call('SCARD', '${UNINDEXED_KEY}') }`;

/**
 * Stores the entry under its id (ARGV[1]) at its time (ARGV[2], ms): entry, timeline, its
 * visibility set (ARGV[4]) and its words (ARGV[5]) in one atomic step, never over an existing
 * entry. With an Idempotency-Key (KEYS[3], the key's record;
 * KEYS[4], its in-flight marker) the record is written in the same step, so it is exactly as
 * durable as the entry, and a key seen before answers instead of creating: 'key-reused' (another
 * text), 'key-in-flight' (the first request is still waiting for its replicas), or 'replayed' with
 * the first entry. ARGV[3]: the entry's JSON after its id; ARGV[6..8]: the text's fingerprint
 * (fixed length), the record's and the marker's lifetimes. The record is one string, fingerprint
 * then entry: the smallest shape in Redis.
 */
const CREATE_SCRIPT = `${INDEX_LUA}
if KEYS[3] then
  local record = redis.call('GET', KEYS[3])
  if record then
    if string.sub(record, 1, #ARGV[6]) ~= ARGV[6] then return {'key-reused'} end
    if redis.call('EXISTS', KEYS[4]) == 1 then return {'key-in-flight'} end
    -- The WAIT that follows must cover the first request's entry, written maybe through another
    -- API pod's connection. WAIT waits for the offset of this connection's last command; Redis 7.0
    -- counts any command, but to depend on no such detail this is a write: one that changes
    -- nothing (the same expiry) and needs no memory, so it works on a full Redis too.
    redis.call('PEXPIREAT', KEYS[3], redis.call('PEXPIRETIME', KEYS[3]))
    return {'replayed', string.sub(record, #ARGV[6] + 1)}
  end
end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return {'id-taken'} end
local entry = '{"id":"' .. ARGV[1] .. '",' .. ARGV[3]
redis.call('HSET', KEYS[1], ARGV[1], entry)
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZADD', ARGV[4], ARGV[2], ARGV[1])
index(ARGV[1], ARGV[5])
if KEYS[3] then
  redis.call('SET', KEYS[3], ARGV[6] .. entry, 'EX', ARGV[7])
  redis.call('SET', KEYS[4], '1', 'PX', ARGV[8])
end
return {'created', entry}`;

/**
 * Replaces the entry (ARGV[1]) by ARGV[3] only if it is still the version whose SHA-1 is ARGV[2]
 * (the one the API checked the caller's rights and If-Match against): 'gone', 'changed' or
 * 'updated'. Moves it from visibility set ARGV[4] to ARGV[5] at its unchanged time ARGV[6] and
 * re-indexes its words (ARGV[7]). Concurrent edits of one version: exactly one is 'updated'.
 */
const UPDATE_SCRIPT = `${INDEX_LUA}
local entry = redis.call('HGET', KEYS[1], ARGV[1])
if not entry then return 'gone' end
if redis.sha1hex(entry) ~= ARGV[2] then return 'changed' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if ARGV[4] ~= ARGV[5] then
  redis.call('ZREM', ARGV[4], ARGV[1])
  redis.call('ZADD', ARGV[5], ARGV[6], ARGV[1])
end
reindex(ARGV[1], ARGV[7])
return 'updated'`;

/**
 * Deletes the entry (ARGV[1]) if it is still the version whose SHA-1 is ARGV[2] (the one whose
 * author the API checked): 'gone', 'changed' or 'deleted'. ARGV[3]: its visibility set. Of
 * concurrent deletes exactly one is 'deleted'. No command here needs memory: it works on a full Redis.
 */
const DELETE_SCRIPT = `${INDEX_LUA}
local entry = redis.call('HGET', KEYS[1], ARGV[1])
if not entry then return 'gone' end
if redis.sha1hex(entry) ~= ARGV[2] then return 'changed' end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', ARGV[3], ARGV[1])
unindex(ARGV[1])
return 'deleted'`;

// Total and page of one sorted set (the timeline or the public set) in one command; no-writes lets replicas run it.
const PAGE_SCRIPT = `#!lua flags=no-writes
local ids = redis.call('ZRANGE', KEYS[2], ARGV[1], ARGV[2], 'REV')
if #ids == 0 then return { redis.call('ZCARD', KEYS[2]), {} } end
return { redis.call('ZCARD', KEYS[2]), redis.call('HMGET', KEYS[1], unpack(ids)) }`;

/**
 * A page of two sorted sets merged (the public set and an author's private set, which share no
 * member), newest first, and their total. Where the page starts in each set is found by binary
 * search on ranks (the k-th of two sorted lists), so the cost is O(log² N + page), not O(offset).
 * ARGV: offset, page size.
 */
const MERGED_PAGE_SCRIPT = `#!lua flags=no-writes
local a, b = KEYS[2], KEYS[3]
local na, nb = redis.call('ZCARD', a), redis.call('ZCARD', b)
local k, size = tonumber(ARGV[1]), tonumber(ARGV[2])
if k >= na + nb then return { na + nb, {} } end
local function at(key, rank) return redis.call('ZRANGE', key, rank, rank, 'REV', 'WITHSCORES') end
-- x comes before y newest first: higher score, or the same score and the greater member (ZRANGE REV's order).
local function before(x, y)
  local sx, sy = tonumber(x[2]), tonumber(y[2])
  if sx ~= sy then return sx > sy end
  return x[1] > y[1]
end
-- i = how many of the first k merged come from a: the smallest i where a[i] is not before b[k-i-1].
local lo, hi = math.max(0, k - nb), math.min(k, na)
while lo < hi do
  local i = math.floor((lo + hi) / 2)
  if before(at(a, i), at(b, k - i - 1)) then lo = i + 1 else hi = i end
end
local xs = redis.call('ZRANGE', a, lo, lo + size - 1, 'REV', 'WITHSCORES')
local ys = redis.call('ZRANGE', b, k - lo, k - lo + size - 1, 'REV', 'WITHSCORES')
local ids, x, y = {}, 1, 1
while #ids < size and (x <= #xs or y <= #ys) do
  if y > #ys or (x <= #xs and before({ xs[x], xs[x + 1] }, { ys[y], ys[y + 1] })) then
    ids[#ids + 1] = xs[x]; x = x + 2
  else
    ids[#ids + 1] = ys[y]; y = y + 2
  end
end
return { na + nb, redis.call('HMGET', KEYS[1], unpack(ids)) }`;

/** The store's Lua scripts, defined on both clients (RedisModule.forFeature in JournalModule). */
export const JOURNAL_SCRIPTS: RedisScripts = {
  createEntry: { lua: CREATE_SCRIPT },
  pageOfEntries: { numberOfKeys: 2, lua: PAGE_SCRIPT, readOnly: true },
  mergedPageOfEntries: { numberOfKeys: 3, lua: MERGED_PAGE_SCRIPT, readOnly: true },
  updateEntry: { numberOfKeys: 1, lua: UPDATE_SCRIPT },
  deleteEntry: { numberOfKeys: 2, lua: DELETE_SCRIPT },
  indexBatch: { numberOfKeys: 0, lua: INDEX_BATCH_SCRIPT },
};

type CreateReply = ['created' | 'replayed', string] | ['key-reused' | 'key-in-flight' | 'id-taken'];
export type Scripted = Redis & {
  indexBatch(maxPostings: number): Promise<[number, number]>;
  createEntry(numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<CreateReply>;
  pageOfEntries(entryKey: string, setKey: string, start: number, stop: number): Promise<[number, (string | null)[]]>;
  mergedPageOfEntries(entryKey: string, a: string, b: string, offset: number, size: number): Promise<[number, (string | null)[]]>;
  updateEntry(entryKey: string, ...args: (string | number)[]): Promise<'gone' | 'changed' | 'updated'>;
  deleteEntry(
    entryKey: string,
    timelineKey: string,
    id: string,
    digest: string,
    visibility: string,
  ): Promise<'gone' | 'changed' | 'deleted'>;
};

/** Who writes and the request's Idempotency-Key, when it has one. */
export interface CreateOptions {
  /** The signed-in person's name: the entry's author, and Idempotency-Keys are scoped per author. */
  author?: string;
  idempotencyKey?: string;
  /** Visible only to its author and admins. */
  private?: boolean;
}

/** What a create did: the entry's JSON when it was stored now or before under the same key. */
export type CreateResult = { outcome: 'created' | 'replayed'; entry: string } | { outcome: 'key-reused' } | { outcome: 'key-in-flight' };

/** Entries as stored: JSON text, parsed by the caller. */
@Injectable()
export class JournalStore {
  constructor(
    private readonly redis: ReplicatedRedis,
    private readonly indexer: SearchIndexer,
  ) {}

  /**
   * Stores `{text, createdAt, author}` (no author when writes need no token) under a new id (or finds the entry its Idempotency-Key made) and
   * resolves once enough replicas have it: then replicas serve it too. Rejects with
   * NotReplicatedError (maybe stored, not acknowledged) or StorageFullError (nothing stored).
   */
  async create(id: string, text: string, createdAt: Date, options: CreateOptions = {}): Promise<CreateResult> {
    const key = options.idempotencyKey === undefined ? undefined : idempotencyKeys(options.author, options.idempotencyKey);
    const args = createArgs({
      id,
      text,
      createdAt: createdAt.toISOString(),
      author: options.author,
      private: options.private || undefined,
    });
    const reply = await this.queuing(
      this.redis.write<CreateReply, Scripted>(
        (writer) =>
          key
            ? writer.createEntry(
                4,
                ENTRY_KEY,
                TIMELINE_KEY,
                key.record,
                key.inFlight,
                ...args,
                fingerprint(text),
                RECORD_TTL_S,
                IN_FLIGHT_TTL_MS,
              )
            : writer.createEntry(2, ENTRY_KEY, TIMELINE_KEY, ...args),
        {
          changed: ([outcome]) => outcome === 'created' || outcome === 'replayed',
          // Answered either way: a retry with the key may now replay (once replicated). Sent before the
          // answer on the same connection, so a later request through this API process finds it gone.
          settled: ([outcome]) => {
            if (key && outcome === 'created') this.redis.onPrimary((writer) => writer.del(key.inFlight)).catch(() => undefined);
          },
        },
      ),
    );
    // 80 random bits make this all but impossible; never overwrite an entry if it happens.
    if (reply[0] === 'id-taken') throw new Error(`an entry with the new id ${id} exists already`);
    const [outcome, entry] = reply;
    if (outcome === 'key-reused' || outcome === 'key-in-flight') return { outcome };
    return { outcome, entry: entry! };
  }

  /**
   * Stores entries as they are (id, times, author, private: an import) with the create script, so
   * each goes in whole or not at all, and never over an entry with the same id; then one WAIT (and
   * ROLE) for all of them. Resolves with each entry's outcome ('id-taken': left as it was) once enough
   * replicas have them all; rejects like create (NotReplicatedError or StorageFullError; the
   * entries before the one that failed may be stored).
   */
  async importBatch(entries: Entry[]): Promise<('created' | 'id-taken')[]> {
    // Confirmed even when every id was taken: the WAIT also covers what this connection wrote before,
    // such as entries an earlier import stored but could not confirm.
    const replies = await this.queuing(
      this.redis.write(async (writer: Scripted) => {
        // A pipeline: the calls go out in one write, not one system call each.
        const pipeline = writer.pipeline() as unknown as Scripted;
        for (const entry of entries) void pipeline.createEntry(2, ENTRY_KEY, TIMELINE_KEY, ...createArgs(entry));
        const replies = (await (pipeline as unknown as ChainableCommander).exec()) ?? [];
        const failure = replies.find(([error]) => error);
        if (failure) throw failure[0]!;
        return replies;
      }),
    );
    return replies.map(([, reply]) => ((reply as CreateReply)[0] === 'created' ? 'created' : 'id-taken'));
  }

  /** One page of the entries `audience` holds, newest first, and their total. */
  async page(audience: Audience, offset: number, limit: number): Promise<{ total: number; entries: string[] }> {
    const [total, entries] = await this.redis.read((client: Scripted) =>
      audience.all || audience.author === undefined
        ? client.pageOfEntries(ENTRY_KEY, audience.all ? TIMELINE_KEY : PUBLIC_KEY, offset, offset + limit - 1)
        : client.mergedPageOfEntries(ENTRY_KEY, PUBLIC_KEY, PRIVATE_PREFIX + audience.author, offset, limit),
    );
    // An id the timeline still lists while its entry is gone cannot happen (one script changes both); skip it if it does.
    return { total, entries: entries.filter((entry) => entry !== null) };
  }

  /**
   * A page of the entries `audience` holds whose words include every one of `words` and one
   * starting with `prefix`, newest first, and how many match (docs/adr/0012-search.md). It walks
   * the smallest of the word sets (or the sets of the words the prefix expands to, when they hold
   * fewer) and the entries not yet indexed, in steps of SEARCH_STEP, and checks each candidate's
   * words and visibility: its cost grows with the candidates, never with the journal, and no step
   * holds Redis long.
   */
  async search(
    words: string[],
    prefix: string,
    audience: Audience,
    offset: number,
    limit: number,
  ): Promise<{ total: number; entries: string[] }> {
    return this.redis.read(async (client: Scripted) => {
      // The queue first: an entry indexed meanwhile is then found in its word set instead of missed.
      const candidates = await membersOf(client, UNINDEXED_KEY);
      const expansions = await wordsStartingWith(client, prefix);
      const sizes = await Promise.all([...words, ...expansions].map((word) => client.scard(WORD_PREFIX + word)));
      const wordSizes = sizes.slice(0, words.length);
      const prefixSize = sizes.slice(words.length).reduce((sum, size) => sum + size, 0);
      const smallest = wordSizes.indexOf(Math.min(...wordSizes));
      const sets =
        prefixSize === 0 || wordSizes.some((size) => size === 0)
          ? []
          : smallest >= 0 && wordSizes[smallest]! <= prefixSize
            ? [WORD_PREFIX + words[smallest]]
            : expansions.map((word) => WORD_PREFIX + word);
      for (const key of sets) await membersOf(client, key, candidates);
      const ids = [...candidates];
      const matches: [string, number][] = [];
      for (let at = 0; at < ids.length; at += SEARCH_STEP) {
        const step = ids.slice(at, at + SEARCH_STEP);
        const [indexed, times] = await Promise.all([client.hmget(ENTRY_WORDS_KEY, ...step), this.timesFor(client, step, audience)]);
        step.forEach((id, i) => {
          if (times[i] !== null && hasWords(indexed[i] ?? null, words, prefix)) matches.push([id, Number(times[i])]);
        });
      }
      const page = newestFirst(matches).slice(offset, offset + limit);
      const entries = page.length === 0 ? [] : await client.hmget(ENTRY_KEY, ...page);
      return { total: matches.length, entries: entries.filter((entry) => entry !== null) };
    });
  }

  /**
   * The entries `audience` may read, oldest first, one batch of at most EXPORT_BATCH (plus the
   * entries sharing the last one's millisecond) per step. The cursor is a time, not a rank, so
   * entries added or removed meanwhile never make the walk skip or repeat one.
   */
  async *oldestFirst(audience: Audience): AsyncGenerator<string[]> {
    const key = !audience.all && audience.author === undefined ? PUBLIC_KEY : TIMELINE_KEY;
    for (let after = '-inf'; ;) {
      const batch = await this.redis.read(async (client: Scripted) => {
        const step = await client.zrange(key, after, '+inf', 'BYSCORE', 'LIMIT', 0, EXPORT_BATCH, 'WITHSCORES');
        if (step.length < 2 * EXPORT_BATCH) return { ids: evenItems(step), last: undefined };
        const last = step.at(-1)!;
        // The last millisecond may hold more entries than fit: take all of them now.
        const ids = evenItems(step).filter((_, i) => step[2 * i + 1] !== last);
        ids.push(...(await client.zrange(key, last, last, 'BYSCORE')));
        return { ids, last };
      });
      const times =
        audience.all || batch.ids.length === 0
          ? []
          : await this.redis.read((client: Scripted) => this.timesFor(client, batch.ids, audience));
      const ids = audience.all ? batch.ids : batch.ids.filter((_, i) => times[i] !== null);
      if (ids.length > 0) {
        const entries = await this.redis.read((client: Scripted) => client.hmget(ENTRY_KEY, ...ids));
        yield entries.filter((entry) => entry !== null);
      }
      if (batch.last === undefined) return;
      after = `(${batch.last}`;
    }
  }

  /** When each of `ids` was created (ms), where `audience` may read it; else null (not theirs, or gone). */
  private async timesFor(client: Scripted, ids: string[], audience: Audience): Promise<(string | null)[]> {
    if (audience.all) return client.zmscore(TIMELINE_KEY, ...ids);
    const [publicTimes, privateTimes] = await Promise.all([
      client.zmscore(PUBLIC_KEY, ...ids),
      audience.author === undefined ? ids.map(() => null) : client.zmscore(PRIVATE_PREFIX + audience.author, ...ids),
    ]);
    return ids.map((_, i) => publicTimes[i] ?? privateTimes[i] ?? null);
  }

  /**
   * The entry, from a replica; one the replica lacks is looked for on the primary before it is
   * called missing. A replica can be behind an acknowledged write: a write needs only
   * REDIS_MIN_REPLICA_ACKS of them, another API pod made it, or the replica is resyncing after a
   * failover. If the primary does not answer, the replica's answer stands.
   */
  async get(id: string): Promise<string | undefined> {
    return (
      (await this.redis.readYourWrites(
        (client) => client.hget(ENTRY_KEY, id),
        (found) => found === null,
      )) ?? undefined
    );
  }

  /** The entry as the primary has it now: what an edit or a delete checks rights and versions against. */
  async current(id: string): Promise<string | undefined> {
    return (await this.redis.onPrimary((writer) => writer.hget(ENTRY_KEY, id))) ?? undefined;
  }

  /**
   * Replaces the entry by `json` (its createdAt unchanged) if it is still the version with SHA-1
   * `digest`, and resolves once enough replicas have it: 'updated', or 'changed' / 'gone' (nothing
   * written). Rejects like create.
   */
  async update(
    id: string,
    digest: string,
    before: Owned,
    json: string,
    after: Owned & { text: string; createdAt: string },
  ): Promise<'updated' | 'changed' | 'gone'> {
    const at = Date.parse(after.createdAt);
    return this.queuing(
      this.redis.write(
        (writer: Scripted) =>
          writer.updateEntry(ENTRY_KEY, id, digest, json, visibilityKey(before), visibilityKey(after), at, indexedWords(after.text)),
        { changed: (result) => result === 'updated' },
      ),
    );
  }

  /** A write that may queue entries for the search index: the indexer runs soon after, whatever came of it. */
  private queuing<T>(write: Promise<T>): Promise<T> {
    return write.finally(() => this.indexer.schedule());
  }

  /**
   * Removes the entry if it is still the version with SHA-1 `digest` ('deleted', only once enough
   * replicas have the removal; of concurrent deletes exactly one gets it), else 'changed' or 'gone'.
   */
  async delete(id: string, digest: string, entry: Owned): Promise<'deleted' | 'changed' | 'gone'> {
    return this.redis.write((writer: Scripted) => writer.deleteEntry(ENTRY_KEY, TIMELINE_KEY, id, digest, visibilityKey(entry)), {
      changed: (result) => result === 'deleted',
    });
  }
}

/** How many entries one export step reads: one HMGET of this size takes a few milliseconds. */
const EXPORT_BATCH = 500;

/** Members of a ZRANGE ... WITHSCORES reply (member, score, member, score...). */
function evenItems(reply: string[]): string[] {
  return reply.filter((_, i) => i % 2 === 0);
}

/** How many ids one search step reads and checks: a ZMSCORE of this many on a set of a million takes up to a few milliseconds. */
const SEARCH_STEP = 250;

/** Every indexed word that starts with `prefix` (itself included), in steps. */
async function wordsStartingWith(client: Redis, prefix: string): Promise<string[]> {
  const from = Buffer.from(`[${prefix}`);
  const to = Buffer.concat([from, Buffer.from([0xff])]);
  const found: string[] = [];
  for (;;) {
    const step = await client.zrangebylex(WORDS_KEY, from, to, 'LIMIT', found.length, SEARCH_STEP);
    found.push(...step);
    if (step.length < SEARCH_STEP) return found;
  }
}

/** Adds the members of a set to `into`, an SSCAN step at a time (one present throughout is never missed). */
async function membersOf(client: Redis, key: string, into = new Set<string>()): Promise<Set<string>> {
  let cursor = '0';
  do {
    const [next, members] = await client.sscan(key, cursor, 'COUNT', SEARCH_STEP);
    cursor = next;
    for (const member of members) into.add(member);
  } while (cursor !== '0');
  return into;
}

/** Ids newest first by their times (ms), ties by id as ZRANGE ... REV orders them. */
function newestFirst(matches: [string, number][]): string[] {
  return matches.sort(([a, x], [b, y]) => y - x || (a < b ? 1 : a > b ? -1 : 0)).map(([id]) => id);
}

/** Whether an entry's indexed words (space-separated; null: not indexed) hold all of `words` and one starting with `prefix`. */
function hasWords(indexed: string | null, words: string[], prefix: string): boolean {
  if (indexed === null) return false;
  const own = indexed.split(' ');
  return words.every((word) => own.includes(word)) && own.some((word) => word.startsWith(prefix));
}

/**
 * The create script's arguments after its keys: id, time (ms), the entry's JSON after the id (the
 * script puts the id in front; fields that are undefined are left out), visibility set, words.
 */
function createArgs(entry: Entry): (string | number)[] {
  const { id, ...rest } = entry;
  const json = JSON.stringify({
    text: rest.text,
    createdAt: rest.createdAt,
    updatedAt: rest.updatedAt,
    author: rest.author,
    private: rest.private,
  }).slice(1);
  return [id, Date.parse(rest.createdAt), json, visibilityKey(rest), indexedWords(rest.text)];
}
