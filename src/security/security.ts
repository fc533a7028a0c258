import fastifyHelmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';

/** JSON is never a document: it may load nothing and be framed by no one. */
const API_CSP = {
  useDefaults: false,
  directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
};

/**
 * Security headers on every API response (helmet), and CORS only for the origins CORS_ORIGINS lists:
 * the web UI is served from the same origin, so by default no other site may call the API.
 */
export async function secure(app: NestFastifyApplication, corsOrigins: string | undefined): Promise<void> {
  await app.register(fastifyHelmet, { contentSecurityPolicy: API_CSP });
  if (corsOrigins) {
    app.enableCors({
      origin: corsOrigins.split(','),
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ['content-type', 'x-request-id'],
      exposedHeaders: ['location', 'retry-after', 'x-request-id'],
      maxAge: 600,
    });
  }
}

const apiHeaders = helmet({ contentSecurityPolicy: API_CSP });

/** The same headers for the answers Fastify gives before any hook runs (frameworkErrors: a malformed URL). */
export function addSecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  apiHeaders(request.raw, reply.raw, () => undefined);
}

/**
 * The API docs page (Swagger UI, src/openapi) is a document, not JSON: routes under `prefix` may load
 * scripts, styles and images from this origin and call the API ("Try it out"). Styles may be inline
 * (Swagger UI's page has <style> blocks and its components set style attributes); scripts may not.
 */
export function allowDocumentPage(app: NestFastifyApplication, prefix: string): void {
  const policy = {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
      },
    },
  };
  // Helmet takes a route's own options from its config; the docs routes are added later, by SwaggerModule.
  app.getHttpAdapter().getInstance().addHook('onRoute', (route) => {
    if (route.url.startsWith(prefix)) route.config = { ...route.config, helmet: policy };
  });
}

/**
 * Fastify's trustProxy from TRUST_PROXY: which X-Forwarded-For hops to believe when working out a
 * client's address (the rate limit's key). Unset: none, so a client cannot pick its own address.
 */
export function trustedProxies(setting: string | undefined): boolean | string | ((address: string, hop: number) => boolean) {
  if (setting === undefined) return false;
  if (/^\d+$/.test(setting)) {
    const hops = Number(setting);
    return (_address, hop) => hop < hops;
  }
  return setting;
}
