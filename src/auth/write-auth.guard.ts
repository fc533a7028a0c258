import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Authenticator } from './authenticator.js';

/**
 * On the write handlers (POST, DELETE /api/entries), before the write rate limit: with
 * AUTH_MODE=token a write needs a valid bearer token, and the handler learns whose it is
 * (CurrentAuthor). Reads pass through ReadAuthGuard instead.
 */
@Injectable()
export class WriteAuthGuard implements CanActivate {
  constructor(private readonly authenticator: Authenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.authenticator.admit(context.switchToHttp().getRequest<FastifyRequest>(), this.authenticator.required, 'Writing');
    return true;
  }
}
