import { BadRequestException, Inject, Module, type OnModuleInit, StandardSchemaValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE, HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { securityConfig, type SecurityConfig } from '../config/security.config.js';
import { HealthModule } from '../health/health.module.js';
import { closeConnectionsWhenShuttingDown, ShutdownState } from '../health/shutdown-state.js';
import { returnRequestId } from '../logging/request-log.js';
import { measureRequests } from '../metrics/http-metrics.js';
import { Metrics } from '../metrics/metrics.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { DOCS_PATH } from '../openapi/openapi.js';
import { ProblemFilter } from '../problem/problem.filter.js';
import { screenRequests } from '../security/request-screen.js';
import { addSecurityHeaders, corsFor, securityHeaders } from '../security/security.js';
import { streamBodies } from './streamed-body.js';

/**
 * What every request goes through, in one place: every error answered as problem+json, bodies and
 * parameters checked against their schemas, and the Fastify hooks, added below in the order they
 * run. (The adapter's options, such as the request logger and body limit, are set in main.ts.)
 */
@Module({
  imports: [MetricsModule, HealthModule],
  providers: [
    { provide: APP_FILTER, useClass: ProblemFilter },
    {
      provide: APP_PIPE,
      useValue: new StandardSchemaValidationPipe({
        exceptionFactory: (issues) => new BadRequestException(issues.map((issue) => issue.message).join('; ')),
      }),
    },
  ],
})
export class CoreModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(securityConfig.KEY) private readonly security: SecurityConfig,
    private readonly metrics: Metrics,
    private readonly shutdown: ShutdownState,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    const fastify = adapter.getInstance<FastifyInstance>();
    // onRequest: helmet's headers (a document's policy for the API docs page). CORS, when
    // CORS_ORIGINS is set, runs before every hook wherever it is enabled: the adapter places it.
    addSecurityHeaders(fastify, securityHeaders(DOCS_PATH));
    // onRequest: requests no route may take (credentials in the URL, two Authorization headers...) refused.
    screenRequests(fastify);
    // preParsing: the routes that read their own body (@StreamedBody) get it unread.
    streamBodies(fastify);
    if (this.security.corsOrigins) adapter.enableCors(corsFor(this.security.corsOrigins));
    // onSend: the request id on every answer, then `Connection: close` while shutting down.
    returnRequestId(fastify);
    closeConnectionsWhenShuttingDown(fastify, this.shutdown);
    // onResponse: the request duration histogram.
    measureRequests(fastify, this.metrics);
  }
}
