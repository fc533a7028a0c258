import { registerAs } from '@nestjs/config';
import { validatedEnv } from './env.schema.js';

/** Which other origins may call the API from a browser, and whose X-Forwarded-For to believe. */
export const securityConfig = registerAs('security', () => {
  const env = validatedEnv();
  return { corsOrigins: env.CORS_ORIGINS?.split(','), trustProxy: env.TRUST_PROXY };
});

export type SecurityConfig = ReturnType<typeof securityConfig>;
