import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from '@jest/globals';
import type { Redis } from 'ioredis';
import { createRedisClient } from '../../src/redis/redis-client.factory.js';
import { startRedisPair, type RedisPair } from '../support/redis.js';

/**
 * A benchmark baseline served in this process on a Redis pair of its own, started before the
 * spec's tests and stopped after them. Read `url` and `redis` inside tests.
 */
export function useInProcessServer(create: (writer: Redis, reader: Redis) => Server): { readonly url: string; readonly redis: RedisPair } {
  const state: { url: string; redis: RedisPair; clients: Redis[]; server?: Server } = { url: '', redis: undefined!, clients: [] };
  beforeAll(async () => {
    state.redis = await startRedisPair();
    state.clients = [
      createRedisClient('writer', state.redis.primary.url, state.redis.password),
      createRedisClient('reader', state.redis.replica.url, state.redis.password),
    ];
    await Promise.all(state.clients.map((c) => new Promise((r) => (c.status === 'ready' ? r(c) : c.once('ready', r)))));
    state.server = create(state.clients[0], state.clients[1]);
    await new Promise<void>((r) => state.server!.listen(0, '127.0.0.1', r));
    state.url = `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  }, 30_000);
  afterAll(async () => {
    state.redis?.replica.resume();
    await new Promise((r) => (state.server ? state.server.close(r) : r(undefined)));
    for (const client of state.clients) client.disconnect();
    await state.redis?.stop();
  });
  return {
    get url() {
      return state.url;
    },
    get redis() {
      return state.redis;
    },
  };
}
