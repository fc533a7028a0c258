import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Who is writing: the name a token belongs to, and whether it is one of AUTH_ADMINS. */
export interface Writer {
  name: string;
  admin: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by WriteAuthGuard when the request carried a valid token (AUTH_MODE=token). */
    writer?: Writer;
  }
}

/** The handler's Writer, or undefined when writes need no token (AUTH_MODE=off). */
export const CurrentWriter = createParamDecorator(
  (_: unknown, context: ExecutionContext): Writer | undefined => context.switchToHttp().getRequest<FastifyRequest>().writer,
);
