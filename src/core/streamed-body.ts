import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by @StreamedBody(): the handler reads the request body itself. */
    streamedBody?: boolean;
  }
  interface FastifyRequest {
    /** On @StreamedBody() routes: the body's headers as the client sent them (Fastify is shown none). */
    streamedBody?: StreamedBodyHeaders;
  }
}

export interface StreamedBodyHeaders {
  /** The Content-Type header, if any. */
  type?: string;
  /** The Content-Length header, if any (a chunked body has none). */
  length?: number;
  /** The Content-Encoding header, if any. */
  encoding?: string;
}

/**
 * On a handler: it reads the request body itself, as a stream (`request.raw`), with its own limits
 * and formats. The rest of the API keeps Fastify's parsing (JSON only, 64 KiB, main.ts).
 */
export const StreamedBody = () => RouteConfig({ streamedBody: true });

/**
 * Fastify picks a body parser by Content-Type alone, the same for every route, and its parsers read
 * the whole body into memory up to the body limit before the handler runs. For the routes marked
 * @StreamedBody() this preParsing hook takes the body out of Fastify's hands: it notes the body's
 * headers on the request and removes them, so Fastify sees a request without a body and calls the
 * handler (after its guards) with the body unread. An answer sent before the body has arrived whole
 * closes the connection, as Fastify does when it refuses a body: the rest is never read.
 */
export function streamBodies(fastify: FastifyInstance): void {
  fastify.addHook('preParsing', async (request, _reply, payload) => {
    if (!request.routeOptions.config?.streamedBody) return payload;
    const headers = request.raw.headers;
    const length = headers['content-length'];
    request.streamedBody = {
      type: headers['content-type'],
      length: length === undefined ? undefined : Number(length),
      encoding: headers['content-encoding'],
    };
    delete headers['content-type'];
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    return payload;
  });
  fastify.addHook('onSend', async (request: FastifyRequest, reply, payload) => {
    if (request.routeOptions.config?.streamedBody && !request.raw.complete) void reply.header('connection', 'close');
    return payload;
  });
}
