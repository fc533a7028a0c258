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

/**
 * A hit takes well under a millisecond; a hung primary would hold it for the client's 800 ms command
 * timeout, before the write's own 800 ms. Giving up sooner keeps such a write's 503 well inside 2 s.
 */
const HIT_TIMEOUT_MS = 250;

/** The limiter's Lua scripts (RedisModule.forFeature in RateLimitModule). */
export const RATE_LIMIT_SCRIPTS: RedisScripts = {
  rateLimitHit: { numberOfKeys: 1, lua: HIT_SCRIPT },
};

type Scripted = Redis & {
  rateLimitHit(key: string, windowMs: number, limit: number, blockMs: number): Promise<[number, number]>;
};

/** One hit counted: the hits in this window, and the milliseconds until the window (or block) ends. */
export interface Hit {
  hits: number;
  leftMs: number;
}

/**
 * @nestjs/throttler's storage on the API's Redis primary (the writer client). When Redis cannot
 * answer, the write limiter fails open: the request goes on (a write then gets the usual 503 from
 * the store). Failed sign-ins are counted with `hit`, which throws instead (src/auth fails closed).
 * One warning per outage says what stops, never one per request.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Scripted;
  private failing = false;

  /** `what` names what is counted ("writes", "failed sign-ins"); `outage` says what happens while Redis cannot count, and after. */
  constructor(
    writer: Redis,
    private readonly what = 'writes',
    private readonly outage = { during: 'rate limiting is off', after: 'rate limiting is back on' },
  ) {
    this.redis = writer as Scripted;
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number): ReturnType<ThrottlerStorage['increment']> {
    let counted: Hit;
    try {
      counted = await this.hit(key, ttl, limit, blockDuration);
    } catch {
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
    const seconds = Math.ceil(counted.leftMs / 1000);
    const isBlocked = counted.hits > limit;
    return { totalHits: counted.hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
  }

  /**
   * Counts a hit and answers the count in one atomic step, so simultaneous hits each see their own
   * number; throws when Redis does not answer within HIT_TIMEOUT_MS.
   */
  async hit(key: string, ttl: number, limit: number, blockDuration: number): Promise<Hit> {
    const [hits, leftMs] = await this.answer(this.redis.rateLimitHit(RATE_KEY_PREFIX + key, ttl, limit, blockDuration));
    return { hits, leftMs };
  }

  /** Redis's answer within HIT_TIMEOUT_MS, logging when counting stops and starts working again. */
  private async answer<T>(command: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      // After the API's own event loop was held up (a GC pause, a busy machine), timers run before
      // the socket is read: setImmediate gives an answer that has already arrived its turn first.
      const giveUp = () => reject(new Error(`no answer within ${HIT_TIMEOUT_MS} ms`));
      timer = setTimeout(() => setImmediate(giveUp), HIT_TIMEOUT_MS);
    });
    try {
      const result = await Promise.race([command, timeout]);
      if (this.failing) this.logger.log(`Redis counts ${this.what} again: ${this.outage.after}`);
      this.failing = false;
      return result;
    } catch (error) {
      if (!this.failing)
        this.logger.warn(`Redis cannot count ${this.what} (${(error as Error).message}): ${this.outage.during} until it answers`);
      this.failing = true;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
