// What a search posting costs in Redis, per index structure (docs/adr/0009, 0012): `npm run
// bench:index -- [creates]`. Starts its own primary and replica (startRedisPair: password, AOF
// everysec, as deployed), runs a create script shaped like the store's with each index body in turn (20 in
// flight, the throughput benchmark's text: 14 distinct words), and prints each node's CPU per create.
// The last row is the index as built: the create script queues the entry, and the API's
// SearchIndexer fills the word sets in batches meanwhile (its CPU counted until the queue is empty).
import { Redis } from 'ioredis';
import { ENTRY_WORDS_KEY, JOURNAL_SCRIPTS, UNINDEXED_KEY, type Scripted as StoreScripted } from '../src/journal/journal.store.js';
import { SearchIndexer } from '../src/journal/search-indexer.js';
import { Metrics } from '../src/metrics/metrics.js';
import { defineScripts } from '../src/redis/redis-client.factory.js';
import { waitFor } from '../test/support/ports.js';
import { startRedisPair } from '../test/support/redis.js';

const CREATES = Number(process.argv[2] ?? 60_000);
const WORDS = 'a benchmark entry about as long line people write in journal today went well';
const BODY = '"text":"A benchmark entry, about as long as a line people write in a journal: today went well."}';

/** The index bodies compared: the store's own (a sorted set per word, the words list, each entry's words) and alternatives. */
const INDEXES: Record<string, string> = {
  none: `local function index(id, at, words) end`,
  'sorted set per word (the earlier build)': `local function index(id, at, words)
  local listed = {}
  for word in string.gmatch(words, '%S+') do
    redis.call('ZADD', 'w:' .. word, at, id)
    listed[#listed + 1] = 0
    listed[#listed + 1] = word
  end
  redis.call('ZADD', 'words', unpack(listed))
  redis.call('HSET', 'entry-words', id, words)
end`,
  'sorted set per word, no words list or entry words': `local function index(id, at, words)
  for word in string.gmatch(words, '%S+') do redis.call('ZADD', 'w:' .. word, at, id) end
end`,
  'one sorted set for every posting': `local function index(id, at, words)
  local m = {}
  for word in string.gmatch(words, '%S+') do m[#m + 1] = 0; m[#m + 1] = word .. ':' .. id end
  redis.call('ZADD', 'postings', unpack(m))
  redis.call('HSET', 'entry-words', id, words)
end`,
  'set per word (no order)': `local function index(id, at, words)
  for word in string.gmatch(words, '%S+') do redis.call('SADD', 'w:' .. word, id) end
  redis.call('HSET', 'entry-words', id, words)
end`,
  'list per word (no removal)': `local function index(id, at, words)
  for word in string.gmatch(words, '%S+') do redis.call('RPUSH', 'w:' .. word, id) end
  redis.call('HSET', 'entry-words', id, words)
end`,
};
const AS_BUILT = 'queued, then a set per word filled in batches (as built)';
INDEXES[AS_BUILT] = `local function index(id, at, words)
  redis.call('HSET', '${ENTRY_WORDS_KEY}', id, words)
  redis.call('SADD', '${UNINDEXED_KEY}', id)
end`;

const cpuUs = async (client: Redis) => {
  const info = await client.info('cpu');
  const seconds = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1]);
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6;
};

type Scripted = Redis & { create(...args: string[]): Promise<string> };

async function measure(name: string, indexLua: string): Promise<void> {
  const pair = await startRedisPair();
  const client = (port: number) => new Redis({ port, password: pair.password });
  const primary = client(pair.primary.port) as Scripted;
  const replica = client(pair.replica.port);
  try {
    primary.defineCommand('create', {
      numberOfKeys: 2,
      lua: `${indexLua}
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 'id-taken' end
redis.call('HSET', KEYS[1], ARGV[1], '{"id":"' .. ARGV[1] .. '",' .. ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZADD', 'public', ARGV[2], ARGV[1])
index(ARGV[1], ARGV[2], ARGV[4])
return 'created'`,
    });
    // As built, the API's indexer runs after the creates, as the store schedules it.
    let indexer: SearchIndexer | undefined;
    if (name === AS_BUILT) {
      defineScripts(primary, JOURNAL_SCRIPTS);
      indexer = new SearchIndexer(primary as unknown as StoreScripted, new Metrics());
    }
    const queueEmpty = () =>
      waitFor('the indexer to empty its queue', async () => ((await primary.scard(UNINDEXED_KEY)) === 0 ? true : undefined), 60_000);
    let made = 0;
    const run = async (count: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          while (next++ < count) {
            await primary.create('entry', 'timeline', String(1e12 + ++made), String(Date.now()), BODY, WORDS);
            indexer?.schedule();
          }
        }),
      );
      await primary.wait(1, 20_000);
    };
    await run(CREATES / 3); // warm-up: sets grown, script loaded
    await queueEmpty();
    const before = [await cpuUs(primary), await cpuUs(replica)];
    const started = Date.now();
    await run(CREATES);
    const seconds = (Date.now() - started) / 1000;
    await queueEmpty();
    await primary.wait(1, 20_000);
    await indexer?.onApplicationShutdown();
    const after = [await cpuUs(primary), await cpuUs(replica)];
    const perCreate = (i: number) => ((after[i] - before[i]) / CREATES).toFixed(0);
    console.log(`| ${name} | ${(CREATES / seconds).toFixed(0)} | ${perCreate(0)} | ${perCreate(1)} |`);
  } finally {
    primary.disconnect();
    replica.disconnect();
    await pair.stop();
  }
}

console.log(
  `${CREATES} creates, 20 in flight\n\n| index kept by the create script | creates/s | primary µs / create | replica µs / create |\n|---|---|---|---|`,
);
for (const [name, lua] of Object.entries(INDEXES)) await measure(name, lua);
