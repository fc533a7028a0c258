import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Authenticator } from './authenticator.js';

/**
 * On the write handlers (POST, DELETE /api/entries), before the write rate limit: with
 * AUTH_MODE=token a write needs a valid bearer token, and the handler learns whose it is
 * (CurrentWriter). Reads, health, metrics and the OpenAPI document never pass through it.
 */
@Injectable()
export class WriteAuthGuard implements CanActivate {
  constructor(private readonly authenticator: Authenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    request.writer = await this.authenticator.authenticate(request);
    if (this.authenticator.required && !request.writer) throw this.authenticator.missing();
    return true;
  }
}
