import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Authenticator } from './authenticator.js';

/**
 * On the handlers that read entries: with READ_ACCESS=signed-in a read needs a valid bearer token
 * (401 otherwise). A token sent with a public read is checked too, so the handler knows who reads
 * (CurrentAuthor: private entries are shown to their author and admins only). Both by the writes' rules (Authenticator): a valid token always passes, a failed
 * one is counted (429 past the limit, 503 when it cannot be). Health, /api/auth/me and the OpenAPI
 * document never pass through it: they stay public.
 */
@Injectable()
export class ReadAuthGuard implements CanActivate {
  constructor(private readonly authenticator: Authenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const signedIn = this.authenticator.readAccess === 'signed-in';
    await this.authenticator.admit(context.switchToHttp().getRequest<FastifyRequest>(), signedIn, 'Reading entries');
    return true;
  }
}
