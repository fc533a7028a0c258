/**
 * Search at scale (docs/adr/0012-search.md): `npm run bench:search [-- --count 1000000]`.
 * Preloads `count` entries of 8 words each from a 5,000-word vocabulary into its own Redis
 * primary + replica, one word ("harbor") in every 100th entry and one ("quetzal") in 10 of those,
 * starts the built API on them, and measures sequential search latencies and the longest Redis
 * command the searches ran (the replica's SLOWLOG, which records every command over 1 ms).
 */
import { parseArgs } from 'node:util';
import { ApiProcess, redisEnv } from '../test/support/api.js';
import { call } from '../test/support/http.js';
import { startRedisPair } from '../test/support/redis.js';
import { sequentialLatency } from './lib/load.js';
import { preloadEntries } from './lib/preload.js';

const { values: flags } = parseArgs({ options: { count: { type: 'string', default: '1000000' } } });
const count = Number(flags.count);
const RARE_EVERY = Math.max(1, Math.floor(count / 10));

/** A fixed pseudo-random sequence, so every run searches the same journal. */
let seed = 7;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const vocabulary = Array.from({ length: 5000 }, () =>
  Array.from({ length: 4 + Math.floor(random() * 5) }, () => 'abcdefghijklmnoprstuvwy'[Math.floor(random() * 23)]).join(''),
);
const text = (n: number) => {
  const words = Array.from({ length: 8 }, () => vocabulary[Math.floor(random() * vocabulary.length)]);
  if (n % 100 === 0) words.push('harbor');
  if (n % RARE_EVERY === 0) words.push('quetzal');
  return words.join(' ');
};

const redis = await startRedisPair({ args: ['--maxmemory', '0'] });
let api: ApiProcess | undefined;
try {
  console.error(`bench: preloading ${count} entries`);
  const started = Date.now();
  await preloadEntries(redis, count, text);
  console.error(`bench: preloaded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  api = await ApiProcess.start({ ...redisEnv(redis), NODE_ENV: 'production', AUTH_MODE: 'off', LOG_LEVEL: 'warn' });
  const used = /used_memory_human:(\S+)/.exec(String(await redis.primary.command('INFO', 'memory')))![1];
  for (const node of [redis.primary, redis.replica]) {
    await node.command('CONFIG', 'SET', 'slowlog-log-slower-than', '1000');
    await node.command('CONFIG', 'SET', 'slowlog-max-len', '10000');
    await node.command('SLOWLOG', 'RESET');
  }
  const cases: [string, string, number][] = [
    ['10 matches (one rare word)', 'quetzal', 200],
    ['10 matches (a common and a rare word)', 'harbor quetzal', 200],
    ['10 matches (a prefix: "quetz")', 'quetz', 200],
    ['10,000 matches (one word)', 'harbor', 50],
    ['the plain list, page 1 (for comparison)', '', 200],
    [`a two-letter prefix ("${vocabulary[0]!.slice(0, 2)}")`, vocabulary[0]!.slice(0, 2), 5],
  ];
  console.log(`| search (${count.toLocaleString('en')} entries, Redis used_memory ${used}) | q | matches | p50 ms | p99 ms |`);
  console.log('|---|---|---|---|---|');
  for (const [name, q, runs] of cases) {
    const path = `/api/entries?q=${encodeURIComponent(q)}`;
    const total = (await call(api.url, 'GET', path)).body.total as number;
    const { p50, p99 } = await sequentialLatency(api.url, path, runs);
    console.log(`| ${name} | \`${q}\` | ${total.toLocaleString('en')} | ${p50.toFixed(1)} | ${p99.toFixed(1)} |`);
  }
  for (const node of [redis.replica, redis.primary]) {
    const log = (await node.command('SLOWLOG', 'GET', '10000')) as [number, number, number, string[]][];
    const longest = log.reduce<[number, string[]] | undefined>(
      (max, [, , us, args]) => (!max || us > max[0] ? [us, args] : max),
      undefined,
    );
    console.log(
      `\n${node.name}: ${log.length} commands over 1 ms during the searches` +
        (longest ? `; the longest ${(longest[0] / 1000).toFixed(2)} ms: ${longest[1].slice(0, 4).join(' ')}` : ''),
    );
  }
} finally {
  await api?.stop();
  await redis.stop();
}
