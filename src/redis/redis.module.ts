import {
  type DynamicModule,
  Global,
  Inject,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { redisConfig, type RedisConfig } from '../config/redis.config.js';
import { Metrics } from '../metrics/metrics.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { instrumentRedis } from '../metrics/redis-metrics.js';
import { registerRedisState } from '../metrics/redis-state.js';
import { FailoverFence } from './failover-fence.js';
import { closeRedisClient, createRedisClient, type RedisScripts } from './redis-client.factory.js';
import { Replication } from './replication.js';
import { REDIS_READER, REDIS_WRITER } from './redis.tokens.js';

/**
 * The two shared clients, and all that is done to them: the features' Lua scripts are defined on
 * them and every command is timed (metrics) as they are made; the Redis state gauges read through
 * them at scrape time; Replication asks both their ROLE on connect and every second.
 */
@Global()
@Module({})
export class RedisModule implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  /** `scripts`: the Lua scripts of the features that use the clients (AppModule gathers them). */
  static forRoot(scripts: RedisScripts): DynamicModule {
    return {
      module: RedisModule,
      imports: [MetricsModule],
      providers: [
        {
          provide: REDIS_WRITER,
          useFactory: (config: RedisConfig, metrics: Metrics) =>
            instrumentRedis(createRedisClient('writer', config.writer, config.password, scripts), 'writer', metrics),
          inject: [redisConfig.KEY, Metrics],
        },
        {
          provide: REDIS_READER,
          useFactory: (config: RedisConfig, metrics: Metrics) =>
            instrumentRedis(createRedisClient('reader', config.reader, config.password, scripts), 'reader', metrics),
          inject: [redisConfig.KEY, Metrics],
        },
        Replication,
        FailoverFence,
      ],
      exports: [REDIS_WRITER, REDIS_READER, Replication, FailoverFence],
    };
  }

  private readonly logger = new Logger(RedisModule.name);

  constructor(
    @Inject(REDIS_WRITER) private readonly writer: Redis,
    @Inject(REDIS_READER) private readonly reader: Redis,
    @Inject(redisConfig.KEY) private readonly config: RedisConfig,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    registerRedisState(this.metrics.registry, this.writer, this.reader);
  }

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
