import { z } from 'zod';

/** Whole numbers only: "1.5", "1e3", " 7" and "0x10" are mistakes, not numbers to round. */
const wholeNumber = (min: number, max: number, fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max, {
      error: (issue) => `must be a whole number from ${min} to ${max}, got ${JSON.stringify(issue.input)}`,
    });

const redisUrl = z.string().refine(
  (v) => {
    try {
      const url = new URL(v);
      return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '' && !url.password;
    } catch {
      return false;
    }
  },
  {
    error: (issue) =>
      `must be a redis:// or rediss:// URL with a host and no password (the password comes from REDIS_PASSWORD_FILE), got ${JSON.stringify(redactPassword(String(issue.input)))}`,
  },
);

/** Never echo a password someone put in a URL by mistake. */
function redactPassword(value: string): string {
  return value.replace(/\/\/([^@/]*):[^@/]*@/, '//$1:***@');
}

/**
 * The environment contract (DESIGN.md), validated once at start by @nestjs/config.
 * Values stay strings (they are written back to process.env); the typed config in
 * journal.config.ts and redis.config.ts reads them.
 */
export const envSchema = z
  .object({
    NODE_ENV: z.string().optional(),
    PORT: wholeNumber(1, 65535, '8080'),
    JOURNAL_ENTRIES: wholeNumber(1, 100, '10'),
    REDIS_WRITE_URL: redisUrl.default('redis://127.0.0.1:6379'),
    REDIS_READ_URL: redisUrl.optional(),
    REDIS_PASSWORD_FILE: z.string().min(1, { error: 'must be a file path, got ""' }).default('/etc/redis-passwd/passwd'),
  })
  .transform((env) => ({ ...env, REDIS_READ_URL: env.REDIS_READ_URL ?? env.REDIS_WRITE_URL }));
