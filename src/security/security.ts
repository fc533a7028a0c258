import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';

/** JSON is never a document: it may load nothing and be framed by no one. */
const API_CSP = {
  useDefaults: false,
  directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
};

/**
 * The API docs page (Swagger UI, src/openapi) is a document, not JSON: it may load scripts, styles
 * and images from this origin and call the API ("Try it out"). Styles may be inline (Swagger UI's
 * page has <style> blocks and its components set style attributes); scripts may not.
 */
const DOCUMENT_CSP = {
  useDefaults: false,
  directives: {
    ...API_CSP.directives,
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
  },
};

/**
 * The headers helmet sets for a policy. None of them depends on the request (no nonces, no
 * functions in the policies), so they are worked out once and copied onto each reply: running
 * helmet's middleware chain per request cost a measurable share of the list route (docs/benchmarks.md).
 */
function helmetHeaders(contentSecurityPolicy: typeof API_CSP): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = { setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value), removeHeader: () => undefined };
  // DENY, not helmet's SAMEORIGIN: the same as frame-ancestors 'none', for browsers without CSP.
  helmet({ contentSecurityPolicy, xFrameOptions: { action: 'deny' } })(
    {} as IncomingMessage,
    response as unknown as ServerResponse,
    () => undefined,
  );
  return headers;
}

const API_HEADERS = helmetHeaders(API_CSP);
const DOCUMENT_HEADERS = helmetHeaders(DOCUMENT_CSP);

export type SecurityHeaders = (request: FastifyRequest, reply: FastifyReply) => void;

/** Sets helmet's headers on a reply: the document policy under `documentPrefix`, else the API's. */
export function securityHeaders(documentPrefix: string): SecurityHeaders {
  return (request, reply) => {
    void reply.headers(request.url.startsWith(documentPrefix) ? DOCUMENT_HEADERS : API_HEADERS);
  };
}

/** Security headers on every response. */
export function addSecurityHeaders(fastify: FastifyInstance, addHeaders: SecurityHeaders): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    addHeaders(request, reply);
    done();
  });
}

/** CORS for the origins CORS_ORIGINS lists: the web UI is served from the same origin, so by default no other site may call the API. */
export function corsFor(origins: string[]): CorsOptions {
  return {
    origin: origins,
    methods: ['GET', 'POST', 'DELETE'],
    // authorization: bearer tokens (src/auth); never cookies, so credentials mode stays off.
    allowedHeaders: ['content-type', 'x-request-id', 'authorization'],
    exposedHeaders: ['location', 'retry-after', 'x-request-id', 'www-authenticate'],
    maxAge: 600,
  };
}
