import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { redactCredentials } from '../logging/request-log.js';
import { Metrics } from '../metrics/metrics.js';
import { ProblemException } from '../problem/problem.js';
import { RedisThrottlerStorage } from '../rate-limit/redis-throttler.storage.js';
import { REDIS_WRITER } from '../redis/redis.tokens.js';
import { authConfig, type AuthConfig } from './auth.config.js';
import { bearerCredentials } from './bearer.js';
import { TokenStore } from './token-store.js';
import type { Writer } from './writer.js';

const CHALLENGE = 'Bearer realm="journal"';

/** Why an authentication failed: the label of journal_auth_failures_total. */
export type FailureReason = 'missing' | 'invalid_request' | 'invalid_token' | 'blocked';
export const FAILURE_REASONS: readonly FailureReason[] = ['missing', 'invalid_request', 'invalid_token', 'blocked'];

/**
 * Checks a request's bearer token (AUTH_MODE=token). Failed attempts are counted per client address
 * in Redis, across all API pods; an address past AUTH_FAILURES_PER_MINUTE gets 429 until its
 * minute ends, whatever it sends, so guessing stops there even with a right guess.
 */
@Injectable()
export class Authenticator {
  private readonly failures: RedisThrottlerStorage;

  constructor(
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
    private readonly tokens: TokenStore,
    private readonly metrics: Metrics,
    @Inject(REDIS_WRITER) writer: Redis,
  ) {
    this.failures = new RedisThrottlerStorage(writer, 'failed sign-ins');
    for (const reason of FAILURE_REASONS) metrics.authFailures.inc({ reason }, 0); // every series from the start
  }

  get required(): boolean {
    return this.config.mode === 'token';
  }

  /**
   * The writer the request's token names; undefined without credentials (or with auth off).
   * Throws the problem to answer for a malformed header (400), an unknown token (401), or an
   * address with too many failures (429).
   */
  async authenticate(request: FastifyRequest): Promise<Writer | undefined> {
    if (!this.required) return undefined;
    const inQuery = redactCredentials(request.url) !== request.url;
    const credentials = bearerCredentials(request.headers.authorization);
    if (credentials.kind === 'none' && !inQuery) return undefined;

    const client = `auth-failures:${normalizeIp(request.ip, 64)}`;
    const blockedFor = await this.failures.blockedFor(client, this.config.failuresPerMinute);
    if (blockedFor > 0) throw this.fail('blocked', tooManyFailures(this.config.failuresPerMinute, blockedFor));

    // A token in the URL is refused even next to a good header: RFC 6750 allows one method per request.
    const problem = inQuery
      ? 'a token in the URL is never accepted (it would end up in logs and browser history): send it as Authorization: Bearer <token>'
      : credentials.kind === 'malformed'
        ? credentials.problem
        : undefined;
    if (problem !== undefined) throw this.fail('invalid_request', malformed(problem), client);
    const name = credentials.kind === 'token' ? this.tokens.verify(credentials.token) : undefined;
    if (name === undefined) throw this.fail('invalid_token', invalidToken(), client);
    return { name, admin: this.config.admins.has(name) };
  }

  /** A write without credentials (AUTH_MODE=token). */
  missing(): ProblemException {
    return this.fail(
      'missing',
      new ProblemException(
        HttpStatus.UNAUTHORIZED,
        'unauthorized',
        'Sign-in needed',
        'Writing needs a token: Authorization: Bearer <token>',
        {},
        {
          'WWW-Authenticate': CHALLENGE,
        },
      ),
    );
  }

  /** Counts the failure in the metric and, for a failed sign-in, against the client's address. */
  private fail(reason: FailureReason, problem: ProblemException, client?: string): ProblemException {
    this.metrics.authFailures.inc({ reason });
    if (client) void this.failures.increment(client, 60_000, this.config.failuresPerMinute, 0);
    return problem;
  }
}

function malformed(detail: string): ProblemException {
  return new ProblemException(
    HttpStatus.BAD_REQUEST,
    'invalid-authorization',
    'Malformed credentials',
    detail,
    {},
    {
      'WWW-Authenticate': `${CHALLENGE}, error="invalid_request"`,
    },
  );
}

function invalidToken(): ProblemException {
  return new ProblemException(
    HttpStatus.UNAUTHORIZED,
    'invalid-token',
    'Invalid token',
    'The token is not valid (unknown, revoked, or mistyped)',
    {},
    {
      'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"`,
    },
  );
}

function tooManyFailures(limit: number, seconds: number): ProblemException {
  return new ProblemException(
    HttpStatus.TOO_MANY_REQUESTS,
    'too-many-failed-sign-ins',
    'Too many failed sign-ins',
    `This client had ${limit} failed sign-ins this minute; try again in ${seconds} s`,
    {},
    { 'Retry-After': String(seconds) },
  );
}
