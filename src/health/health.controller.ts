import { Controller, Get, HttpStatus, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult, type HealthIndicatorFunction } from '@nestjs/terminus';
import { ProblemException } from '../problem/problem.js';
import { RedisHealthIndicator } from './redis.health.js';
import { ShutdownState } from './shutdown-state.js';

@Controller('healthz')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
    private readonly shutdown: ShutdownState,
  ) {}

  /** Liveness: the process answers. Never checks Redis, so a Redis outage does not restart pods. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.check('live', []);
  }

  /** Readiness: not shutting down and at least one Redis endpoint reachable. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    if (this.shutdown.shuttingDown) {
      throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'not-ready', 'Not ready', 'shutting down');
    }
    return this.check('ready', [() => this.redis.anyEndpoint()]);
  }

  /** The full report: writer and reader, each up or down. */
  @Get()
  @HealthCheck()
  report(): Promise<HealthCheckResult> {
    return this.check('report', [() => this.redis.writerStatus(), () => this.redis.readerStatus()]);
  }

  /** Terminus answers a failed check with a 503 of its own shape; ours is problem+json with the checks inside. */
  private async check(name: string, indicators: HealthIndicatorFunction[]): Promise<HealthCheckResult> {
    try {
      return await this.health.check(indicators);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const report = error.getResponse() as HealthCheckResult;
      throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'not-healthy', 'Not healthy',
        `the ${name} check failed: ${Object.keys(report.error ?? {}).join(', ')} down`, { checks: report.details });
    }
  }
}
