import { type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { ApiProblem, retryAfter } from '../openapi/responses.js';
import { ProblemException } from '../problem/problem.js';

/**
 * Limits the journal's writes (POST and DELETE /api/entries) per author; put it on the write
 * handlers only, so reads, health and docs are never limited, after WriteAuthGuard.
 *
 * The author is the token's name when writes need one (one budget per name, from any address);
 * without auth it is the client's address: @nestjs/throttler's default tracker: Fastify's `request.ip`, which follows
 * X-Forwarded-For only through the proxies TRUST_PROXY names (main.ts), so a client cannot choose
 * its own address; IPv6 clients are grouped by /64, which one client usually holds whole.
 */
@Injectable()
export class WriteRateLimitGuard extends ThrottlerGuard {
  /** RateLimitModule configures no throttler when RATE_LIMIT_WRITES_PER_MINUTE is unset. */
  private enabled = false;

  override async onModuleInit(): Promise<void> {
    this.enabled = !Array.isArray(this.options) && this.options.throttlers.length > 0;
    // Unconfigured, the base class would only warn that nothing is limited: off is a valid setting.
    if (this.enabled) await super.onModuleInit();
  }

  override canActivate(context: ExecutionContext): Promise<boolean> {
    return this.enabled ? super.canActivate(context) : Promise.resolve(true);
  }

  protected override getTracker(request: FastifyRequest): Promise<string> {
    return request.author ? Promise.resolve(`author:${request.author.name}`) : super.getTracker(request);
  }

  /** One budget per client for all writes: the default key would give each handler its own. */
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    { limit, timeToBlockExpire }: ThrottlerLimitDetail,
  ): Promise<void> {
    const seconds = Math.max(1, timeToBlockExpire);
    throw new ProblemException(
      HttpStatus.TOO_MANY_REQUESTS,
      'rate-limited',
      'Too many writes',
      `This client may make ${limit} writes (creates and deletes) per minute; try again in ${seconds} s`,
      {},
      { 'Retry-After': String(seconds) },
    );
  }
}

/**
 * A 429 in the OpenAPI document: creates and deletes share one budget per author (per client
 * address without a token) when RATE_LIMIT_WRITES_PER_MINUTE is set; and an address with too many
 * failed sign-ins (src/auth) waits too.
 */
export const ApiRateLimited = (
  description = 'Over RATE_LIMIT_WRITES_PER_MINUTE writes this minute (when that is set), or over AUTH_FAILURES_PER_MINUTE failed sign-ins from this address',
) => ApiProblem(HttpStatus.TOO_MANY_REQUESTS, description, { headers: retryAfter });
