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
import { closeRedisClient, createRedisClient, defineScripts, type RedisScripts } from './redis-client.factory.js';
import { ReplicaAcks } from './replica-acks.js';
import { ReplicatedRedis } from './replicated-redis.js';
import { Replication } from './replication.js';
import { SentinelView } from './sentinel-view.js';
import { REDIS_READER, REDIS_WRITER } from './redis.tokens.js';

/** Where a feature's Lua scripts are defined on the shared clients (RedisModule.forFeature). */
@Module({})
class RedisScriptsModule {}

/**
 * The two shared clients, and all that is done to them: every command is timed (metrics) as they
 * are made; the Redis state gauges read through them at scrape time; Replication asks both their
 * ROLE on connect and every second. Features read and write through ReplicatedRedis, and define
 * their Lua scripts with forFeature.
 */
@Global()
@Module({})
export class RedisModule implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  static forRoot(): DynamicModule {
    return {
      module: RedisModule,
      imports: [MetricsModule],
      providers: [
        {
          provide: REDIS_WRITER,
          useFactory: (config: RedisConfig, metrics: Metrics) =>
            instrumentRedis(createRedisClient('writer', config.writer, config.password), 'writer', metrics),
          inject: [redisConfig.KEY, Metrics],
        },
        {
          provide: REDIS_READER,
          useFactory: (config: RedisConfig, metrics: Metrics) =>
            instrumentRedis(createRedisClient('reader', config.reader, config.password), 'reader', metrics),
          inject: [redisConfig.KEY, Metrics],
        },
        Replication,
        FailoverFence,
        SentinelView,
        // One per process: a second would start a second group-commit queue on the same writer connection.
        ReplicaAcks,
        ReplicatedRedis,
      ],
      exports: [REDIS_WRITER, REDIS_READER, Replication, ReplicaAcks, ReplicatedRedis],
    };
  }

  /**
   * Defines a feature's Lua scripts on both clients, as methods, when the application is assembled
   * (providers are made before any start-up hook runs, so before the first command).
   */
  static forFeature(scripts: RedisScripts): DynamicModule {
    return {
      module: RedisScriptsModule,
      providers: [
        {
          provide: Symbol(`Redis scripts ${Object.keys(scripts).join(', ')}`),
          useFactory: (writer: Redis, reader: Redis) => [writer, reader].forEach((client) => defineScripts(client, scripts)),
          inject: [REDIS_WRITER, REDIS_READER],
        },
      ],
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
