import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { REDIS_WRITER } from '../redis/redis.tokens.js';
import { rateLimitConfig, type RateLimitConfig } from './rate-limit.config.js';
import { RATE_LIMIT_SCRIPTS, RedisThrottlerStorage } from './redis-throttler.storage.js';
import { RedisModule } from '../redis/redis.module.js';

/**
 * Configures @nestjs/throttler (a global module) for WriteRateLimitGuard: one fixed window of a
 * minute per client, counted in Redis so the limit holds across all API pods.
 */
@Module({
  imports: [
    RedisModule.forFeature(RATE_LIMIT_SCRIPTS),
    ThrottlerModule.forRootAsync({
      imports: [ConfigModule.forFeature(rateLimitConfig)],
      inject: [rateLimitConfig.KEY, REDIS_WRITER],
      useFactory: ({ writesPerMinute }: RateLimitConfig, writer: Redis) => ({
        storage: new RedisThrottlerStorage(writer),
        // blockDuration 0: over the limit, a client waits for the window's end, not a further minute.
        throttlers: writesPerMinute === undefined ? [] : [{ name: 'writes', ttl: 60_000, limit: writesPerMinute, blockDuration: 0 }],
        // Retry-After on the 429 is the standard signal; the non-standard X-RateLimit-* trio on every write is left out.
        setHeaders: false,
      }),
    }),
  ],
})
export class RateLimitModule {}
