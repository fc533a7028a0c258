import { registerAs } from '@nestjs/config';
import { validatedEnv } from '../config/env.schema.js';

/** RATE_LIMIT_WRITES_PER_MINUTE; unset means writes are not limited. */
export const rateLimitConfig = registerAs('rateLimit', () => {
  const setting = validatedEnv().RATE_LIMIT_WRITES_PER_MINUTE;
  return { writesPerMinute: setting === undefined ? undefined : Number(setting) };
});

export type RateLimitConfig = ReturnType<typeof rateLimitConfig>;
