import { isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError } from './config-error.js';

/** Whole numbers only: "1.5", "1e3", " 7" and "0x10" are mistakes, not numbers to round. */
const wholeNumber = (min: number, max: number) =>
  z
    .string()
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

/** An address to listen on: 0.0.0.0 (all interfaces, in a container), 127.0.0.1 (this machine only), ::... */
const ipAddress = z.string().refine((v) => isIP(v) !== 0, {
  error: (issue) => `must be an IP address to listen on, like 0.0.0.0 (all interfaces) or 127.0.0.1 (this machine only), got ${JSON.stringify(issue.input)}`,
});

/** "https://journal.example,http://localhost:8000": exact origins, as browsers send them. */
const originList = z.string().refine(
  (v) => v.split(',').every((origin) => URL.canParse(origin) && new URL(origin).origin === origin),
  { error: (issue) => `must be a comma-separated list of origins like https://journal.example (no path, no trailing slash), got ${JSON.stringify(issue.input)}` },
);

/** A hop count, or the addresses (IP or CIDR) of the proxies whose X-Forwarded-For may be believed. */
const proxyList = z.string().refine(
  (v) =>
    (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 10) ||
    v.split(',').every((item) => {
      const [address, prefix, extra] = item.split('/');
      const version = isIP(address);
      const maxPrefix = version === 4 ? 32 : 128;
      return version !== 0 && extra === undefined && (prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= maxPrefix));
    }),
  { error: (issue) => `must be a number of proxy hops from 1 to 10 or a comma-separated list of proxy IPs/CIDRs, got ${JSON.stringify(issue.input)}` },
);

const oneOf = <T extends string>(values: readonly [T, ...T[]], fallback: T) =>
  z.enum(values, { error: (issue) => `must be one of ${values.join(', ')}, got ${JSON.stringify(issue.input)}` }).default(fallback);

/**
 * The environment the API reads (docs/configuration.md). Values stay strings, as in process.env;
 * the typed namespaces (*.config.ts, registerAs) convert them.
 */
export const envSchema = z
  .object({
    NODE_ENV: z.string().optional(),
    PORT: wholeNumber(1, 65535).default('8080'),
    HOST: ipAddress.default('0.0.0.0'),
    JOURNAL_ENTRIES: wholeNumber(1, 100).default('10'),
    REDIS_WRITE_URL: redisUrl.default('redis://127.0.0.1:6379'),
    REDIS_READ_URL: redisUrl.optional(),
    REDIS_PASSWORD_FILE: z.string().min(1, { error: 'must be a file path, got ""' }).default('/etc/redis-passwd/passwd'),
    LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    LOG_FORMAT: oneOf(['json', 'pretty'], 'json'),
    METRICS_PORT: wholeNumber(1, 65535).default('9464'),
    CORS_ORIGINS: originList.optional(),
    TRUST_PROXY: proxyList.optional(),
    RATE_LIMIT_WRITES_PER_MINUTE: wholeNumber(1, 100_000).optional(),
  })
  .refine((env) => env.METRICS_PORT !== env.PORT, {
    path: ['METRICS_PORT'],
    error: (issue) => `must differ from PORT (both are ${(issue.input as { PORT: string }).PORT})`,
  })
  .transform((env) => ({ ...env, REDIS_READ_URL: env.REDIS_READ_URL ?? env.REDIS_WRITE_URL }));

export type Env = z.output<typeof envSchema>;

/** Checks an environment; a mistake is a ConfigError naming each variable and what is wrong. */
export function validateEnv(env: Record<string, unknown>): Env {
  const result = envSchema.safeParse(env);
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
  return result.data;
}

let validated: Env | undefined;

/**
 * The process's environment, read and validated once. The config namespaces read their settings
 * from it (main.ts calls them before Nest starts, ConfigModule when it does); nothing reads
 * process.env after this.
 */
export function validatedEnv(): Env {
  validated ??= validateEnv(process.env);
  return validated;
}
