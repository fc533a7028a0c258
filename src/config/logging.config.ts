import { registerAs } from '@nestjs/config';
import { validatedEnv } from './env.schema.js';

/** How much to log and in which form: JSON lines, or pretty lines for a terminal. */
export const loggingConfig = registerAs('logging', () => {
  const env = validatedEnv();
  return { level: env.LOG_LEVEL, format: env.LOG_FORMAT };
});

export type LoggingConfig = ReturnType<typeof loggingConfig>;
