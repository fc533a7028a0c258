import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

/** Ids a client or proxy sends are kept only if they are short and plain, so they cannot forge log lines. */
const CLIENT_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** Query parameters that carry credentials (RFC 6750's access_token and the usual others). */
const CREDENTIAL_PARAMETERS = new Set(['access_token', 'token', 'id_token', 'refresh_token', 'api_key', 'apikey', 'password']);

/**
 * The URL with the values of credential parameters replaced (names compared as decoded, any case):
 * the API never accepts a token in the URL, but a client may still send one, and it must not reach
 * the log. URLs without such a parameter come back as they are (the same string).
 */
export function redactCredentials(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return url;
  const pairs = url.slice(start + 1).split('&');
  let redacted = false;
  pairs.forEach((pair, index) => {
    const end = pair.includes('=') ? pair.indexOf('=') : pair.length;
    let name = pair.slice(0, end);
    try {
      if (name.includes('%')) name = decodeURIComponent(name);
    } catch {
      // Not valid percent-encoding: compared as it is.
    }
    if (CREDENTIAL_PARAMETERS.has(name.toLowerCase())) {
      pairs[index] = `${pair.slice(0, end)}=[redacted]`;
      redacted = true;
    }
  });
  return redacted ? `${url.slice(0, start + 1)}${pairs.join('&')}` : url;
}

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
        ip: request.ip,
        ...(error && { error: error.message }),
      },
      'request completed',
    );
  }
}
