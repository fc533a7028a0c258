/**
 * Bytes per entry, for sizing Redis (docs/data-safety.md): `npm run capacity [-- --count 10000]`.
 * Creates `count` entries of each kind through the built API (dist/main.js) on its own Redis
 * primary + replica (AOF everysec, as deployed) and divides the growth of the primary's
 * `used_memory` (INFO memory) and of its append-only files by the count. The AOF is measured
 * with automatic rewrites off (what accumulates between two rewrites), then once rewritten.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiProcess, redisEnv } from '../test/support/api.js';
import { call } from '../test/support/http.js';
import { UNINDEXED_KEY } from '../src/journal/journal.store.js';
import { waitFor } from '../test/support/ports.js';
import { startRedisPair, type RedisNode } from '../test/support/redis.js';

const { values: flags } = parseArgs({ options: { count: { type: 'string', default: '10000' } } });
const count = Number(flags.count);
const CONCURRENCY = 20;

const TYPICAL = 'A line or two about the day, about as long as people write in a journal: it went well, more tomorrow.';
/** 10,000 letters and spaces from a fixed pseudo-random sequence: real text, which RDB's compression cannot shrink to nothing. */
const LONGEST = (() => {
  let seed = 1;
  return Array.from({ length: 10_000 }, () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return 'abcdefghijklmnopqrstuvwxyz     '[seed % 31];
  })
    .join('')
    .replace(/^ | $/g, 'x');
})();

const kinds = [
  { name: `typical (${TYPICAL.length} characters), no Idempotency-Key`, text: TYPICAL, key: false },
  { name: `typical (${TYPICAL.length} characters), with Idempotency-Key (the web UI)`, text: TYPICAL, key: true },
  { name: 'longest (10,000 ASCII characters), no Idempotency-Key', text: LONGEST, key: false },
  { name: 'longest (10,000 ASCII characters), with Idempotency-Key', text: LONGEST, key: true },
];

const info = async (node: RedisNode, field: string) =>
  Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(String(await node.command('INFO', 'all')))![1]);

/** Bytes of the append-only files (base + increments) in the node's data folder. */
function aofBytes(node: RedisNode): number {
  const dir = join(node.dir, 'appendonlydir');
  return readdirSync(dir).reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);
}

async function rewriteAof(node: RedisNode): Promise<void> {
  await node.command('BGREWRITEAOF');
  await waitFor(
    'the AOF rewrite',
    async () => {
      const persistence = String(await node.command('INFO', 'persistence'));
      return /aof_rewrite_in_progress:0/.test(persistence) && /aof_rewrite_scheduled:0/.test(persistence) ? true : undefined;
    },
    120_000,
  );
}

async function createAll(url: string, text: string, key: boolean, total = count): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const reply = await call(url, 'POST', '/api/entries', { text }, key ? { 'idempotency-key': randomUUID() } : {});
      if (reply.status !== 201) throw new Error(`create: ${reply.status} ${reply.text}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const kind of kinds) {
    // A fresh pair per kind, so the AOF holds only this kind's writes.
    const redis = await startRedisPair();
    const api = await ApiProcess.start(redisEnv(redis));
    try {
      await redis.primary.command('CONFIG', 'SET', 'auto-aof-rewrite-percentage', '0');
      await createAll(api.url, 'warm-up', false, 100);
      await rewriteAof(redis.primary);
      const [memory, aof] = [await info(redis.primary, 'used_memory'), aofBytes(redis.primary)];
      await createAll(api.url, kind.text, kind.key);
      // Counted once the search index holds them (the API's indexer empties its queue in the background).
      await waitFor(
        'the search index to take the entries in',
        async () => (Number(await redis.primary.command('SCARD', UNINDEXED_KEY)) === 0 ? true : undefined),
        // 10,000 of the longest entries are 16 million postings.
        300_000,
      );
      await new Promise((r) => setTimeout(r, 1500)); // appendfsync everysec: the last second reaches the file
      const memoryPerEntry = ((await info(redis.primary, 'used_memory')) - memory) / count;
      const aofPerCreate = (aofBytes(redis.primary) - aof) / count;
      await rewriteAof(redis.primary);
      const rewrittenPerEntry = (aofBytes(redis.primary) - aof) / count;
      rows.push(`| ${kind.name} | ${memoryPerEntry.toFixed(0)} | ${aofPerCreate.toFixed(0)} | ${rewrittenPerEntry.toFixed(0)} |`);
      console.error(`capacity: ${rows.at(-1)}`);
    } finally {
      await api.stop();
      await redis.stop();
    }
  }
  const version = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1];
  console.log(`Bytes per entry, ${count} entries of each kind (redis-server ${version}):\n`);
  console.log('| entries | memory (used_memory) | AOF growth per create | AOF after a rewrite |');
  console.log('| --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
