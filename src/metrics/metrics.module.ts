import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Server } from 'node:http';
import { serverConfig, type ServerConfig } from '../config/server.config.js';
import { Metrics } from './metrics.js';
import { serveMetrics } from './metrics.server.js';

/**
 * The metrics registry and the /metrics server. HTTP requests are measured by a hook CoreModule
 * adds; Redis clients are instrumented, and the Redis state gauges registered, where the clients
 * are made (src/redis).
 */
@Module({
  providers: [Metrics],
  exports: [Metrics],
})
export class MetricsModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private metricsServer?: Server;

  constructor(
    private readonly metrics: Metrics,
    @Inject(serverConfig.KEY) private readonly server: ServerConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.metricsServer = await serveMetrics(this.metrics, this.server.metricsPort, this.server.host);
  }

  onApplicationShutdown(): Promise<void> {
    return new Promise((resolve) => (this.metricsServer ? this.metricsServer.close(() => resolve()) : resolve()));
  }
}
