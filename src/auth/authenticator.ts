import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { Metrics } from '../metrics/metrics.js';
import { ProblemException } from '../problem/problem.js';
import { RedisThrottlerStorage, type Hit } from '../rate-limit/redis-throttler.storage.js';
import { REDIS_WRITER } from '../redis/redis.tokens.js';
import { authConfig, type AuthConfig } from './auth.config.js';
import { bearerCredentials } from './bearer.js';
import { TokenStore } from './token-store.js';
import type { ReadAccess } from './auth-status.contract.js';
import type { Author } from './author.js';

const CHALLENGE = 'Bearer realm="journal"';

/** What a request without credentials was refused for, as its 401 says. */
type MissingAction = 'Writing' | 'Reading entries';

/** Why an authentication failed: the label of journal_auth_failures_total. */
export type FailureReason = 'missing' | 'invalid_request' | 'invalid_token' | 'blocked';
export const FAILURE_REASONS: readonly FailureReason[] = ['missing', 'invalid_request', 'invalid_token', 'blocked'];

/**
 * Checks a request's bearer token (AUTH_MODE=token). A valid token always passes: it needs no
 * counter, so nobody else's failures (from a shared address, or a Redis outage) can refuse it.
 * Failed attempts are counted per client address in Redis, across all API pods, in one atomic step
 * per attempt; past AUTH_FAILURES_PER_MINUTE a further failed attempt gets 429 instead of its 401,
 * so guessing stops there. When Redis cannot count, an unknown token gets 503: never an uncounted 401.
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
    this.failures = new RedisThrottlerStorage(writer, 'failed sign-ins', {
      during: 'unknown tokens get 503',
      after: 'unknown tokens get 401 again',
    });
    for (const reason of FAILURE_REASONS) metrics.authFailures.inc({ reason }, 0); // every series from the start
  }

  get required(): boolean {
    return this.config.mode === 'token';
  }

  /** READ_ACCESS (`signed-in` only with AUTH_MODE=token, checked at start). */
  get readAccess(): ReadAccess {
    return this.config.readAccess;
  }

  /**
   * The author the request's token names; undefined without credentials (or with auth off).
   * Throws the problem to answer for a malformed header (400), an unknown token (401), an address
   * with too many failures (429), or an unknown token that cannot be counted (503).
   */
  async authenticate(request: FastifyRequest): Promise<Author | undefined> {
    if (!this.required) return undefined;
    const credentials = bearerCredentials(request.raw.headersDistinct.authorization);
    if (credentials.kind === 'none') return undefined;
    if (credentials.kind === 'malformed') throw await this.failed(request, 'invalid_request', malformedCredentials(credentials.problem));
    const name = this.tokens.verify(credentials.token);
    if (name === undefined) throw await this.failed(request, 'invalid_token', invalidToken());
    return { name, admin: this.config.admins.has(name) };
  }

  /**
   * What the auth guards do: sets `request.author` from the request's token (a bad one throws, as
   * in authenticate) and, when `required`, refuses a request without one (401, naming `action`).
   */
  async admit(request: FastifyRequest, required: boolean, action: MissingAction): Promise<void> {
    request.author = await this.authenticate(request);
    if (required && !request.author) throw this.missing(action);
  }

  /** A write without credentials (AUTH_MODE=token), or a read with READ_ACCESS=signed-in: `action` says which. */
  private missing(action: MissingAction): ProblemException {
    this.metrics.authFailures.inc({ reason: 'missing' });
    return new ProblemException(
      HttpStatus.UNAUTHORIZED,
      'unauthorized',
      'Sign-in needed',
      `${action} needs a token: Authorization: Bearer <token>`,
      {},
      { 'WWW-Authenticate': CHALLENGE },
    );
  }

  /**
   * Counts a failed sign-in against the client's address (an IP address: others are refused before,
   * src/security) and returns the problem to answer: `problem`, or 429 past the limit. A malformed
   * header is refused with its 400 even when it cannot be counted: it can never be a right guess.
   */
  private async failed(
    request: FastifyRequest,
    reason: 'invalid_request' | 'invalid_token',
    problem: ProblemException,
  ): Promise<ProblemException> {
    const limit = this.config.failuresPerMinute;
    let counted: Hit;
    try {
      counted = await this.failures.hit(`auth-failures:${normalizeIp(request.ip, 64)}`, 60_000, limit, 0);
    } catch {
      this.metrics.authFailures.inc({ reason });
      return reason === 'invalid_token' ? cannotCount() : problem;
    }
    if (counted.hits > limit) {
      this.metrics.authFailures.inc({ reason: 'blocked' });
      return tooManyFailures(limit, Math.max(1, Math.ceil(counted.leftMs / 1000)));
    }
    this.metrics.authFailures.inc({ reason });
    return problem;
  }
}

/** A 400 for credentials sent the wrong way (a malformed header, two headers, a token in the URL). */
export function malformedCredentials(detail: string): ProblemException {
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

function cannotCount(): ProblemException {
  return new ProblemException(
    HttpStatus.SERVICE_UNAVAILABLE,
    'sign-in-unavailable',
    'Cannot check the token now',
    'This token cannot be checked right now (failed sign-ins cannot be counted); try again shortly',
    {},
    { 'Retry-After': '1' },
  );
}
