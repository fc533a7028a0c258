import { Controller, Get, HttpStatus, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult, type HealthIndicatorFunction } from '@nestjs/terminus';
import { ApiProblem, ref } from '../openapi/responses.js';
import { ProblemException } from '../problem/problem.js';
import { RedisHealthIndicator } from './redis.health.js';
import { healthProblemSchema, healthReportSchema } from './health.schemas.js';
import { ShutdownState } from './shutdown-state.js';

/** Where the probes are: /healthz/live, /healthz/ready, /healthz. */
export const HEALTH_PATH = 'healthz';

// @HealthCheck's own OpenAPI responses are off below: they describe terminus' 503 body, not our problem+json.
@ApiTags('health')
@Controller(HEALTH_PATH)
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
    private readonly shutdown: ShutdownState,
  ) {}

  /** Liveness: the process answers. Never checks Redis, so a Redis outage does not restart pods. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers (Redis is not checked)' })
  @ApiOkResponse({ description: 'Healthy', schema: ref(healthReportSchema) })
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  live(): Promise<HealthCheckResult> {
    return this.check('live', []);
  }

  /** Readiness: not shutting down and at least one Redis endpoint reachable. */
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: not shutting down, and the writer or the reader answers PING' })
  @ApiOkResponse({ description: 'Healthy', schema: ref(healthReportSchema) })
  @ApiProblem(503, 'Shutting down, or neither Redis endpoint answers', { schema: healthProblemSchema })
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  ready(): Promise<HealthCheckResult> {
    if (this.shutdown.shuttingDown) {
      throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'not-ready', 'Not ready', 'shutting down');
    }
    return this.check('ready', [() => this.redis.anyEndpoint()]);
  }

  /** The full report: writer and reader, each up or down. */
  @Get()
  @ApiOperation({ summary: 'Report: the writer and the reader, each up or down' })
  @ApiOkResponse({ description: 'Healthy', schema: ref(healthReportSchema) })
  @ApiProblem(503, 'The writer or the reader is down', { schema: healthProblemSchema })
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
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
      throw new ProblemException(
        HttpStatus.SERVICE_UNAVAILABLE,
        'not-healthy',
        'Not healthy',
        `the ${name} check failed: ${Object.keys(report.error ?? {}).join(', ')} down`,
        { checks: report.details },
      );
    }
  }
}
