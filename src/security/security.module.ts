import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { securityConfig, type SecurityConfig } from '../config/security.config.js';
import { DOCS_PATH } from '../openapi/openapi.js';
import { addSecurityHeaders, corsFor, securityHeaders } from './security.js';

/** helmet's headers on every answer (a document's policy for the API docs page), and CORS when CORS_ORIGINS is set. */
@Module({})
export class SecurityModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(securityConfig.KEY) private readonly config: SecurityConfig,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    addSecurityHeaders(adapter.getInstance<FastifyInstance>(), securityHeaders(DOCS_PATH));
    if (this.config.corsOrigins) adapter.enableCors(corsFor(this.config.corsOrigins));
  }
}
