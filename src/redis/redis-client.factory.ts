import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';

/** Bounded so that a dead or hung Redis turns into a fast 503, never a hanging request. */
const COMMAND_TIMEOUT_MS = 800;

/** Lua scripts by name, each then callable as a method of the client (ioredis sends them by SHA). */
export type RedisScripts = NonNullable<RedisOptions['scripts']>;

export function createRedisClient(role: 'writer' | 'reader', url: string, password: string | undefined, scripts: RedisScripts): Redis {
  const logger = new Logger(`Redis ${role}`);
  const client = new Redis(url, {
    password,
    scripts,
    connectionName: `journal-${role}`,
    // No offline queue: while disconnected a command fails at once instead of waiting for a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // Reconnect forever, so the API heals by itself when Redis comes back.
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  let lastError = '';
  client.on('error', (error: Error) => {
    // One line per new kind of failure, not one per reconnect attempt; ioredis never puts the password in these.
    if (error.message !== lastError) logger.warn(`${error.message} (${new URL(url).host})`);
    lastError = error.message;
  });
  client.on('ready', () => {
    if (lastError) logger.log(`connected again to ${new URL(url).host}`);
    lastError = '';
  });
  return client;
}
