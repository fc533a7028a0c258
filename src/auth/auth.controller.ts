import { Controller, Get, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ref } from '../openapi/responses.js';
import { ApiRateLimited } from '../rate-limit/write-rate-limit.guard.js';
import { ApiBadRequest, ApiUnauthorized } from './auth.openapi.js';
import { Authenticator } from './authenticator.js';
import { authStatusSchema } from './auth-status.schema.js';
import type { AuthStatus } from './auth-status.contract.js';

/** What the web UI asks to know who it writes as; public, like every read. */
@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly authenticator: Authenticator) {}

  @Get('me')
  @ApiOperation({
    summary: 'Who the token belongs to',
    description:
      'Without a token: only the mode (`off`: anyone may write; `token`: writes need one). With a valid token: its name, and whether it may delete every entry.',
  })
  // Optional: {} is "no credentials", which this operation accepts.
  @ApiSecurity('bearer')
  @ApiSecurity({})
  @ApiOkResponse({ description: 'The mode, and the writer if a valid token came with the request', schema: ref(authStatusSchema) })
  @ApiBadRequest('A malformed Authorization header, or a token in the URL')
  @ApiUnauthorized('AUTH_MODE=token: the token is unknown (`error="invalid_token"`)')
  @ApiRateLimited('Over AUTH_FAILURES_PER_MINUTE failed sign-ins from this address this minute')
  async me(@Req() request: FastifyRequest): Promise<AuthStatus> {
    if (!this.authenticator.required) return { mode: 'off' };
    const writer = await this.authenticator.authenticate(request);
    return writer ? { mode: 'token', ...writer } : { mode: 'token' };
  }
}
