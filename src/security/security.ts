import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Security headers on every API response (helmet), and CORS only for the origins CORS_ORIGINS lists:
 * the web UI is served from the same origin, so by default no other site may call the API.
 */
export async function secure(app: NestFastifyApplication, corsOrigins: string | undefined): Promise<void> {
  await app.register(helmet, {
    // JSON is never a document: it may load nothing and be framed by no one.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
    },
  });
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
