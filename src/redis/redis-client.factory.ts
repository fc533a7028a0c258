import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisEndpoint } from '../config/redis.config.js';
import { REDIS_TIMING } from './timing.js';

/** Lua scripts by name, each then callable as a method of the client (ioredis sends them by SHA). */
export type RedisScripts = NonNullable<RedisOptions['scripts']>;

/** Defines `scripts` on the client as methods (ioredis sends them by SHA, the script itself after a NOSCRIPT). */
export function defineScripts(client: Redis, scripts: RedisScripts): void {
  for (const [name, definition] of Object.entries(scripts)) client.defineCommand(name, definition);
}

/** A replica as `SENTINEL REPLICAS` lists it (ioredis passes those not flagged down). */
export interface ListedReplica {
  ip: string;
  port: string;
  'master-link-status'?: string;
}

/**
 * The replica the reader connects to: one whose link to the primary the Sentinels last saw up. Just
 * after a failover they list the old primary as a replica before they find it down, and it may be
 * hung (a stopped process, a stalled node): its link is not known up. Any listed one when none is.
 */
export function replicaToRead(replicas: ListedReplica[]): ListedReplica | null {
  const linked = replicas.filter((replica) => replica['master-link-status'] === 'ok');
  const from = linked.length > 0 ? linked : replicas;
  return from[Math.floor(Math.random() * from.length)] ?? null;
}

/** Clients closed on purpose (closeRedisClient): the only ones that may stay ended. */
const closed = new WeakSet<Redis>();

/**
 * The writer talks to the primary, the reader to the replicas: at a fixed URL each, or, in
 * Sentinel mode, wherever the Sentinels say they are now.
 */
export function createRedisClient(role: 'writer' | 'reader', endpoint: RedisEndpoint, password: string | undefined): Redis {
  const logger = new Logger(`Redis ${role}`);
  const common: RedisOptions = {
    password,
    connectionName: `journal-${role}`,
    // No offline queue: while disconnected a command fails at once instead of waiting for a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    commandTimeout: REDIS_TIMING.commandTimeoutMs,
    // Reconnect forever, so the API heals by itself when Redis comes back.
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  };
  const client =
    typeof endpoint === 'string'
      ? new Redis(endpoint, common)
      : new Redis({
          ...common,
          sentinels: endpoint.sentinels,
          name: endpoint.masterName,
          // Sentinel names the primary for the writer and a replica that is up for the reader.
          role: role === 'writer' ? 'master' : 'slave',
          preferredSlaves: replicaToRead,
          // The Sentinels are protected by the same password as Redis.
          sentinelPassword: password,
          // FailoverFence drops the writer's connection when a Sentinel announces +switch-master;
          // and a connection that gets no answer is dead (a hung Redis): reconnect through the Sentinels.
          socketTimeout: REDIS_TIMING.socketTimeoutMs,
          // Only the configured Sentinels (stable DNS names), not the addresses they gossip.
          updateSentinels: false,
          sentinelCommandTimeout: 500,
          // A failover takes seconds: ask again at a short constant pace, not a growing backoff.
          retryStrategy: () => 50,
          sentinelRetryStrategy: () => 200,
        });
  const where = typeof endpoint === 'string' ? new URL(endpoint).host : `Sentinel ${endpoint.masterName}`;
  let lastError = '';
  client.on('error', (error: Error) => {
    // One line per new kind of failure, not one per reconnect attempt; ioredis never puts the password in these.
    if (error.message !== lastError) logger.warn(`${error.message} (${where})`);
    lastError = error.message;
  });
  client.on('ready', () => {
    if (lastError) logger.log(`connected again to ${where}`);
    lastError = '';
  });
  // ioredis can end a client for good when its connection is dropped while it is reconnecting
  // (FailoverFence drops the writer's at each +switch-master): start it again.
  client.on('end', () => {
    if (!closed.has(client)) setTimeout(() => client.connect().catch(() => undefined), 100);
  });
  return client;
}

/** Closes a client for good (at shutdown): sends QUIT, or drops the connection if that fails. */
export async function closeRedisClient(client: Redis): Promise<void> {
  closed.add(client);
  await client.quit().catch(() => client.disconnect());
}
