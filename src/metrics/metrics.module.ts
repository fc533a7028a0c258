import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Server } from 'node:http';
import { serverConfig, type ServerConfig } from '../config/server.config.js';
import { REDIS_READER, REDIS_WRITER } from '../redis/redis.tokens.js';
import { measureRequests } from './http-metrics.js';
import { Metrics } from './metrics.js';
import { serveMetrics } from './metrics.server.js';
import { instrumentRedis } from './redis-metrics.js';
import { registerRedisState } from './redis-state.js';

@Module({
  providers: [Metrics],
})
export class MetricsModule implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private metricsServer?: Server;

  constructor(
    private readonly metrics: Metrics,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(serverConfig.KEY) private readonly server: ServerConfig,
    @Inject(REDIS_WRITER) private readonly writer: Redis,
    @Inject(REDIS_READER) private readonly reader: Redis,
  ) {}

  /** Before routes are registered and before any request or Redis command. */
  onModuleInit(): void {
    measureRequests(this.adapterHost.httpAdapter.getInstance<FastifyInstance>(), this.metrics);
    instrumentRedis(this.writer, 'writer', this.metrics);
    instrumentRedis(this.reader, 'reader', this.metrics);
    registerRedisState(this.metrics.registry, this.writer, this.reader);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.metricsServer = await serveMetrics(this.metrics, this.server.metricsPort, this.server.host);
  }

  onApplicationShutdown(): Promise<void> {
    return new Promise((resolve) => (this.metricsServer ? this.metricsServer.close(() => resolve()) : resolve()));
  }
}
