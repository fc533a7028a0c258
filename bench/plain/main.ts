import { existsSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { createPlainServer } from './server.js';

// The same environment as the API's (PORT, JOURNAL_ENTRIES, REDIS_*), read plainly.
const env = process.env;
const passwordFile = env.REDIS_PASSWORD_FILE ?? '/etc/redis-passwd/passwd';
const password = existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8').trim() : undefined;
const writeUrl = env.REDIS_WRITE_URL ?? 'redis://127.0.0.1:6379';
const client = (url: string) =>
  new Redis(url, {
    password,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 800,
    retryStrategy: (n) => Math.min(n * 100, 1000),
  });

const server = createPlainServer({
  writer: client(writeUrl),
  reader: client(env.REDIS_READ_URL ?? writeUrl),
  pageSize: Number(env.JOURNAL_ENTRIES ?? 10),
  replicas: Number(env.REDIS_MIN_REPLICA_ACKS ?? 1),
});
server.listen(Number(env.PORT ?? 8080), '0.0.0.0', () => console.log(`plain baseline listening on port ${env.PORT ?? 8080}`));
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
