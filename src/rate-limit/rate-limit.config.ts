import { registerAs } from '@nestjs/config';

/** RATE_LIMIT_WRITES_PER_MINUTE (validated by env.schema.ts); unset means writes are not limited. */
export const rateLimitConfig = registerAs('rateLimit', () => {
  const setting = process.env.RATE_LIMIT_WRITES_PER_MINUTE;
  return { writesPerMinute: setting === undefined ? undefined : Number(setting) };
});

export type RateLimitConfig = ReturnType<typeof rateLimitConfig>;
