import { HttpStatus, Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { malformedCredentials } from '../auth/authenticator.js';
import { sendProblem } from '../problem/problem.filter.js';
import { ProblemException } from '../problem/problem.js';
import { clientAddress } from './client-address.js';
import { credentialsInUrl } from './url-credentials.js';

/**
 * What no request may carry, whatever its route or method, reads included: a credential in the URL
 * (never accepted, as it would end up in logs and browser history; the problem does not echo it),
 * and a client address that is not an IP address (from a trusted proxy's X-Forwarded-For).
 */
export function refusal(request: FastifyRequest): ProblemException | undefined {
  if (credentialsInUrl(request.url)) {
    return malformedCredentials(
      'a token in the URL is never accepted (it would end up in logs and browser history): send it as Authorization: Bearer <token>',
    );
  }
  if (clientAddress(request) === undefined) {
    return new ProblemException(
      HttpStatus.BAD_REQUEST,
      'invalid-client-address',
      'Invalid client address',
      'X-Forwarded-For, as the trusted proxies pass it on, names a client address that is not an IP address',
    );
  }
  return undefined;
}

/** Answers a refused request before any handler (or guard) sees it; add it after the security headers' hook. */
export function screenRequests(fastify: FastifyInstance): void {
  const logger = new Logger('Security');
  fastify.addHook('onRequest', async (request, reply) => {
    const problem = refusal(request);
    if (!problem) return;
    sendProblem(reply, problem, logger);
    return reply;
  });
}
