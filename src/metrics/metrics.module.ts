import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { Server } from 'node:http';
import { serverConfig, type ServerConfig } from '../config/server.config.js';
import { measureRequests } from './http-metrics.js';
import { Metrics } from './metrics.js';
import { serveMetrics } from './metrics.server.js';

/**
 * The metrics registry, HTTP request metrics and the /metrics server; Redis clients are instrumented,
 * and the Redis state gauges registered, where the clients are made (src/redis).
 */
@Module({
  providers: [Metrics],
  exports: [Metrics],
})
export class MetricsModule implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private metricsServer?: Server;

  constructor(
    private readonly metrics: Metrics,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(serverConfig.KEY) private readonly server: ServerConfig,
  ) {}

  onModuleInit(): void {
    measureRequests(this.adapterHost.httpAdapter.getInstance<FastifyInstance>(), this.metrics);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.metricsServer = await serveMetrics(this.metrics, this.server.metricsPort, this.server.host);
  }

  onApplicationShutdown(): Promise<void> {
    return new Promise((resolve) => (this.metricsServer ? this.metricsServer.close(() => resolve()) : resolve()));
  }
}
