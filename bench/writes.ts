/**
 * Write throughput of one server alone (docs/adr/0009): `npm run bench:writes -- baseline|plain|project`.
 * A fresh Redis primary + replica (password, AOF everysec) with 1,000 entries, the server, 3 s of
 * POSTs to warm up, then 8 s measured with the benchmark's load (20 connections). For comparing a
 * modified build of the store (the baseline runs src/ as compiled into bench/dist) with the plain server.
 */
import { ApiProcess, redisEnv } from '../test/support/api.js';
import { startRedisPair } from '../test/support/redis.js';
import { CREATE, drive } from './lib/load.js';
import { preloadEntries } from './lib/preload.js';

const MAINS: Record<string, string> = {
  baseline: 'bench/dist/bench/baseline/main.js',
  plain: 'bench/dist/bench/plain/main.js',
  project: 'dist/main.js',
};
const name = process.argv[2] ?? 'baseline';
if (!Object.hasOwn(MAINS, name)) {
  console.error(`bench:writes: the server must be one of ${Object.keys(MAINS).join(', ')}, got "${name}"`);
  process.exit(2);
}

const redis = await startRedisPair();
try {
  await preloadEntries(redis, 1000);
  const env = { ...redisEnv(redis), JOURNAL_ENTRIES: '10', NODE_ENV: 'production' };
  const server = await ApiProcess.start(env, { cwd: process.cwd(), main: MAINS[name] });
  try {
    await drive(server.url, CREATE, { seconds: 3 });
    const result = await drive(server.url, CREATE, { seconds: 8 });
    console.log(`${name}: ${result.rps.toFixed(0)} creates/s, p50 ${result.p50} ms, p99 ${result.p99} ms`);
  } finally {
    await server.stop();
  }
} finally {
  await redis.stop();
}
