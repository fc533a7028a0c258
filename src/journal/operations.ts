import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ApiOptionalBearer, ApiUnauthorized, READ_RATE_LIMITED, READ_UNAUTHORIZED } from '../auth/auth.openapi.js';
import { ReadAuthGuard } from '../auth/read-auth.guard.js';
import { WriteAuthGuard } from '../auth/write-auth.guard.js';
import { ApiRateLimited, WriteRateLimitGuard } from '../rate-limit/write-rate-limit.guard.js';
import { ApiReadUnavailable, ApiWriteNotConfirmed } from './journal.problems.js';

/**
 * A write to the journal: a token when AUTH_MODE=token (WriteAuthGuard, which names the author),
 * the write rate limit, and in the OpenAPI document their answers and the replicas' (a write is
 * acknowledged only once they confirm it).
 */
export const WriteOperation = (): MethodDecorator =>
  applyDecorators(
    UseGuards(WriteAuthGuard, WriteRateLimitGuard),
    ApiBearerAuth('bearer'),
    ApiUnauthorized('AUTH_MODE=token: no token (or another scheme than Bearer), or an unknown one (`error="invalid_token"`)'),
    ApiRateLimited(),
    ApiWriteNotConfirmed(),
  );

/** A read of the journal: READ_ACCESS decides whether it needs a token (ReadAuthGuard, which names the author when one is sent). */
export const ReadOperation = (): MethodDecorator =>
  applyDecorators(
    UseGuards(ReadAuthGuard),
    ApiOptionalBearer(),
    ApiUnauthorized(READ_UNAUTHORIZED),
    ApiRateLimited(READ_RATE_LIMITED),
    ApiReadUnavailable(),
  );
