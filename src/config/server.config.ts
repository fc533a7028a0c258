import { registerAs } from '@nestjs/config';
import { validatedEnv } from './env.schema.js';

/** Where the API listens: its HTTP port and address, and the metrics port. */
export const serverConfig = registerAs('server', () => {
  const env = validatedEnv();
  return { port: Number(env.PORT), host: env.HOST, metricsPort: Number(env.METRICS_PORT) };
});

export type ServerConfig = ReturnType<typeof serverConfig>;
