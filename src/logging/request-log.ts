import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { clientAddress } from '../security/client-address.js';
import { redactCredentials } from '../security/url-credentials.js';

/** Ids a client or proxy sends are kept only if they are short and plain, so they cannot forge log lines. */
const CLIENT_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** Fastify's genReqId: the caller's X-Request-Id when usable, a new UUID otherwise. */
export function requestId(request: IncomingMessage): string {
  const id = request.headers['x-request-id'];
  return typeof id === 'string' && CLIENT_REQUEST_ID.test(id) ? id : randomUUID();
}

/** Every response carries the id its log line has, so a caller can quote it. */
export function returnRequestId(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });
}

/**
 * Fastify's request logging, one line per request instead of two (no "incoming request"), with the
 * route template and no headers or body. Probes (paths under `probePrefix`) come every few seconds
 * from every kubelet: they are logged at debug level while they succeed, and a failing one is a
 * warning, not an incident.
 */
export class RequestLog extends LogController {
  constructor(private readonly probePrefix: string) {
    super();
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    const probe = request.url.startsWith(this.probePrefix);
    const level = probe ? (status < 400 ? 'debug' : 'warn') : error || status >= 500 ? 'error' : 'info';
    request.log[level](
      {
        method: request.method,
        route: request.routeOptions.url ?? null,
        url: redactCredentials(request.url),
        status,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        // Only an IP address: a trusted proxy may pass on anything (such requests are refused).
        ip: clientAddress(request) ?? null,
        ...(error && { error: error.message }),
      },
      'request completed',
    );
  }
}
