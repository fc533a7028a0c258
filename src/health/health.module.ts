import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { FastifyInstance } from 'fastify';
import { HealthController } from './health.controller.js';
import { RedisHealthIndicator } from './redis.health.js';
import { closeConnectionsWhenShuttingDown, ShutdownState } from './shutdown-state.js';

@Module({
  // A failed probe is an answer, not an incident: no error log for each one.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [RedisHealthIndicator, ShutdownState],
})
export class HealthModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly shutdown: ShutdownState,
  ) {}

  onModuleInit(): void {
    closeConnectionsWhenShuttingDown(this.adapterHost.httpAdapter.getInstance<FastifyInstance>(), this.shutdown);
  }
}
