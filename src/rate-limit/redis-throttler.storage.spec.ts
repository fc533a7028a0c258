import { stat } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';

/** Holds this process's event loop, as a GC pause or a starved CPU does. */
const holdEventLoop = (ms: number) => {
  for (const end = Date.now() + ms; Date.now() < end; );
};

/** A writer whose hit is answered through I/O (read in the loop's poll phase, like a socket's reply) or never. */
const writer = (answer: 'at once' | 'never') =>
  ({
    rateLimitHit: () =>
      new Promise((resolve) => {
        if (answer === 'at once') stat('/dev/null', () => resolve([3, 60_000]));
      }),
  }) as unknown as Redis;

describe('RedisThrottlerStorage.hit', () => {
  it('counts an answer that arrived while the event loop was held past the timeout: no false outage', async () => {
    const storage = new RedisThrottlerStorage(writer('at once'), 'failed sign-ins');
    const hit = storage.hit('k', 60_000, 20, 0);
    holdEventLoop(300);
    await expect(hit).resolves.toEqual({ hits: 3, leftMs: 60_000 });
  });

  it('gives up on a Redis that does not answer', async () => {
    const storage = new RedisThrottlerStorage(writer('never'), 'failed sign-ins');
    await expect(storage.hit('k', 60_000, 20, 0)).rejects.toThrow('no answer within 250 ms');
  });
});
