import { Global, Inject, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { redisConfig, type RedisConfig } from '../config/redis.config.js';
import { closeRedisClient, createRedisClient } from './redis-client.factory.js';
import { Replication } from './replication.js';
import { REDIS_READER, REDIS_WRITER } from './redis.tokens.js';

@Global()
@Module({
  providers: [
    {
      provide: REDIS_WRITER,
      useFactory: (config: RedisConfig) => createRedisClient('writer', config.writer, config.password),
      inject: [redisConfig.KEY],
    },
    {
      provide: REDIS_READER,
      useFactory: (config: RedisConfig) => createRedisClient('reader', config.reader, config.password),
      inject: [redisConfig.KEY],
    },
    Replication,
  ],
  exports: [REDIS_WRITER, REDIS_READER, Replication],
})
export class RedisModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RedisModule.name);

  constructor(
    @Inject(REDIS_WRITER) private readonly writer: Redis,
    @Inject(REDIS_READER) private readonly reader: Redis,
    @Inject(redisConfig.KEY) private readonly config: RedisConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.password === undefined) {
      this.logger.warn(`${this.config.passwordFile} does not exist: connecting to Redis without a password`);
    }
  }

  /** Runs after the HTTP server has closed, so requests in flight still had their clients. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.writer, this.reader].map(closeRedisClient));
  }
}
