import { Controller, Get, HttpStatus, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiProblem, ref, retryAfter } from '../openapi/responses.js';
import { ApiRateLimited } from '../rate-limit/write-rate-limit.guard.js';
import { ApiBadRequest, ApiOptionalBearer, ApiUnauthorized } from './auth.openapi.js';
import { Authenticator } from './authenticator.js';
import { authStatusSchema } from './auth-status.schema.js';
import type { AuthStatus } from './auth-status.contract.js';

/** What the web UI asks to know who it writes as, and whether reading needs a token; always public. */
@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly authenticator: Authenticator) {}

  @Get('me')
  @ApiOperation({
    summary: 'Who the token belongs to',
    description:
      'Without a token: only the mode (`off`: anyone may write; `token`: writes need one) and, with `token`, whether reads need one too (`read`). With a valid token: its name, and whether it may delete every entry. Public even with READ_ACCESS=signed-in, so a client can learn that it must sign in.',
  })
  @ApiOptionalBearer()
  @ApiOkResponse({ description: 'The mode, and the author if a valid token came with the request', schema: ref(authStatusSchema) })
  @ApiBadRequest('A malformed Authorization header (or two), or a token in the URL')
  @ApiUnauthorized('AUTH_MODE=token: the token is unknown (`error="invalid_token"`)')
  @ApiRateLimited('Over AUTH_FAILURES_PER_MINUTE failed sign-ins from this address this minute (a valid token is never refused for it)')
  @ApiProblem(HttpStatus.SERVICE_UNAVAILABLE, 'An unknown token while failed sign-ins cannot be counted (Redis unreachable)', {
    headers: retryAfter,
  })
  async me(@Req() request: FastifyRequest): Promise<AuthStatus> {
    if (!this.authenticator.required) return { mode: 'off' };
    const author = await this.authenticator.authenticate(request);
    const read = this.authenticator.readAccess;
    return author ? { mode: 'token', read, ...author } : { mode: 'token', read };
  }
}
