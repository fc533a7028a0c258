import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Who is writing: the name a token belongs to, and whether it is one of AUTH_ADMINS. */
export interface Author {
  name: string;
  admin: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by WriteAuthGuard and ReadAuthGuard when the request carried a valid token (AUTH_MODE=token). */
    author?: Author;
  }
}

/** The handler's Author, or undefined when writes need no token (AUTH_MODE=off). */
export const CurrentAuthor = createParamDecorator(
  (_: unknown, context: ExecutionContext): Author | undefined => context.switchToHttp().getRequest<FastifyRequest>().author,
);
