import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import type { RedisScripts } from '../redis/redis-client.factory.js';

/** Every limiter key starts with this, and each expires on its own: nothing accumulates. */
export const RATE_KEY_PREFIX = 'journal:rate:';

// One counter per key and window, in one atomic step, so every API pod counts against the same budget.
// The first hit starts the window (or a counter somehow left without a TTL gets one). The hit that
// goes over the limit starts a block of blockDuration ms if one is given (the throttler's semantics:
// the count starts again when the block ends); with 0 the client is blocked until the window ends.
// Returns the hits in this window and the milliseconds until the counter (and any block) expires.
const HIT_SCRIPT = `
local window, limit, block = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  left = window
  redis.call('PEXPIRE', KEYS[1], left)
end
if hits == limit + 1 and block > 0 then
  left = block
  redis.call('PEXPIRE', KEYS[1], left)
end
return { hits, left }`;

// Milliseconds until the counter expires if it has reached the limit, else 0; counts nothing.
const BLOCKED_SCRIPT = `
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
if hits < tonumber(ARGV[1]) then return 0 end
return redis.call('PTTL', KEYS[1])`;

/**
 * A hit takes well under a millisecond; a hung primary would hold it for the client's 800 ms command
 * timeout, before the write's own 800 ms. Giving up sooner keeps such a write's 503 well inside 2 s.
 */
const HIT_TIMEOUT_MS = 250;

/** The limiter's Lua scripts, defined on the writer where it is made (RedisModule.forRoot in AppModule). */
export const RATE_LIMIT_SCRIPTS: RedisScripts = {
  rateLimitHit: { numberOfKeys: 1, lua: HIT_SCRIPT },
  rateLimitBlocked: { numberOfKeys: 1, lua: BLOCKED_SCRIPT },
};

type Scripted = Redis & {
  rateLimitHit(key: string, windowMs: number, limit: number, blockMs: number): Promise<[number, number]>;
  rateLimitBlocked(key: string, limit: number): Promise<number>;
};

/**
 * @nestjs/throttler's storage on the API's Redis primary (the writer client). When Redis cannot
 * answer, the limiter fails open: the request goes on (a write then gets the usual 503 from the
 * store), and one warning per outage says that limiting is off, never one per request.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Scripted;
  private failing = false;

  /** `what` names what is counted in the log lines: "writes", "failed sign-ins". */
  constructor(
    writer: Redis,
    private readonly what = 'writes',
  ) {
    this.redis = writer as Scripted;
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number): ReturnType<ThrottlerStorage['increment']> {
    let hits: number;
    let leftMs: number;
    try {
      [hits, leftMs] = await this.answer(this.redis.rateLimitHit(RATE_KEY_PREFIX + key, ttl, limit, blockDuration));
    } catch {
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
    const seconds = Math.ceil(leftMs / 1000);
    const isBlocked = hits > limit;
    return { totalHits: hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
  }

  /** Whole seconds until the counter expires if it has reached `limit` (without counting a hit), else 0. */
  async blockedFor(key: string, limit: number): Promise<number> {
    try {
      return Math.ceil((await this.answer(this.redis.rateLimitBlocked(RATE_KEY_PREFIX + key, limit))) / 1000);
    } catch {
      return 0;
    }
  }

  /** Redis's answer within HIT_TIMEOUT_MS, logging when counting stops and starts working again. */
  private async answer<T>(command: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${HIT_TIMEOUT_MS} ms`)), HIT_TIMEOUT_MS);
    });
    try {
      const result = await Promise.race([command, timeout]);
      if (this.failing) this.logger.log(`Redis counts ${this.what} again: rate limiting is back on`);
      this.failing = false;
      return result;
    } catch (error) {
      if (!this.failing)
        this.logger.warn(`Redis cannot count ${this.what} (${(error as Error).message}): rate limiting is off until it answers`);
      this.failing = true;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
