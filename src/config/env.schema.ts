import { isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError } from './config-error.js';

/** Whole numbers only: "1.5", "1e3", " 7" and "0x10" are mistakes, not numbers to round. */
const wholeNumber = (min: number, max: number) =>
  z.string().refine((v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max, {
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
  error: (issue) =>
    `must be an IP address to listen on, like 0.0.0.0 (all interfaces) or 127.0.0.1 (this machine only), got ${JSON.stringify(issue.input)}`,
});

/** "https://journal.example,http://localhost:8000": exact origins, as browsers send them. */
const originList = z.string().refine((v) => v.split(',').every((origin) => URL.canParse(origin) && new URL(origin).origin === origin), {
  error: (issue) =>
    `must be a comma-separated list of origins like https://journal.example (no path, no trailing slash), got ${JSON.stringify(issue.input)}`,
});

/**
 * The addresses (IP or CIDR) of the proxies whose X-Forwarded-For may be believed. Not a hop count:
 * "the last hop" believes whoever connects, including a client that reaches the API directly.
 */
const proxyList = z.string().refine(
  (v) =>
    v.split(',').every((item) => {
      const [address = '', prefix, extra] = item.split('/');
      const version = isIP(address);
      const maxPrefix = version === 4 ? 32 : 128;
      return version !== 0 && extra === undefined && (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix));
    }),
  {
    error: (issue) =>
      `must be a comma-separated list of the proxies' IP addresses or CIDRs, like 10.244.0.0/16 (a hop count would believe any client that reaches the API directly), got ${JSON.stringify(issue.input)}`,
  },
);

/** "redis-0.redis-write:26379,redis-1.redis-write:26379": the Sentinels to ask where the primary is. */
const hostPortList = z
  .string()
  .refine(
    (v) =>
      v
        .split(',')
        .every((item) => /^[A-Za-z0-9.-]+:\d{1,5}$/.test(item) && Number(item.split(':')[1]) >= 1 && Number(item.split(':')[1]) <= 65535),
    { error: (issue) => `must be a comma-separated list of host:port, got ${JSON.stringify(issue.input)}` },
  );

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Author names as the tokens file and AUTH_ADMINS spell them. */
export const AUTHOR_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

const nameList = z.string().refine((v) => v.split(',').every((name) => AUTHOR_NAME.test(name)), {
  error: (issue) => `must be a comma-separated list of names of 1-64 letters, digits or . _ @ -, got ${JSON.stringify(issue.input)}`,
});

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
    // Either the two URLs (fixed primary and replicas) or Sentinel mode; the default is the URL pair.
    REDIS_WRITE_URL: redisUrl.optional(),
    REDIS_READ_URL: redisUrl.optional(),
    REDIS_SENTINELS: hostPortList.optional(),
    REDIS_MASTER_NAME: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: (issue) => `must be 1-64 of A-Z a-z 0-9 . _ -, got ${JSON.stringify(issue.input)}` })
      .optional(),
    REDIS_PASSWORD_FILE: z.string().min(1, { error: 'must be a file path, got ""' }).default('/etc/redis-passwd/passwd'),
    // Replicas that must confirm a write before it is acknowledged. 0 only for a single Redis without
    // replicas (local development): with 1 or more, a primary without replicas refuses every write.
    REDIS_MIN_REPLICA_ACKS: wholeNumber(0, 10).default('1'),
    LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    LOG_FORMAT: oneOf(['json', 'pretty'], 'json'),
    METRICS_PORT: wholeNumber(1, 65535).default('9464'),
    CORS_ORIGINS: originList.optional(),
    TRUST_PROXY: proxyList.optional(),
    RATE_LIMIT_WRITES_PER_MINUTE: wholeNumber(1, 100_000).optional(),
    // Unset is "off" with a warning (src/auth), and a refusal in production (below).
    AUTH_MODE: z.enum(['off', 'token'], { error: (issue) => `must be off or token, got ${JSON.stringify(issue.input)}` }).optional(),
    AUTH_TOKENS_FILE: z.string().min(1, { error: 'must be a file path, got ""' }).default('/etc/journal-auth/tokens'),
    AUTH_ADMINS: nameList.optional(),
    AUTH_FAILURES_PER_MINUTE: wholeNumber(1, 100_000).default('20'),
    // Who may read entries: anyone, or only holders of a valid token (src/auth/read-auth.guard.ts).
    READ_ACCESS: oneOf(['public', 'signed-in'], 'public'),
  })
  .refine((env) => env.AUTH_MODE !== undefined || env.NODE_ENV !== 'production', {
    path: ['AUTH_MODE'],
    error: 'must be set (token, or off to let anyone write) when NODE_ENV=production',
  })
  .refine((env) => env.READ_ACCESS !== 'signed-in' || env.AUTH_MODE === 'token', {
    path: ['READ_ACCESS'],
    error: 'signed-in needs AUTH_MODE=token (without tokens nobody could sign in to read)',
  })
  .refine((env) => env.METRICS_PORT !== env.PORT, {
    path: ['METRICS_PORT'],
    error: (issue) => `must differ from PORT (both are ${(issue.input as { PORT: string }).PORT})`,
  })
  .refine((env) => env.REDIS_SENTINELS === undefined || (env.REDIS_WRITE_URL === undefined && env.REDIS_READ_URL === undefined), {
    path: ['REDIS_SENTINELS'],
    error:
      'cannot be combined with REDIS_WRITE_URL or REDIS_READ_URL: set REDIS_SENTINELS and REDIS_MASTER_NAME (Sentinel mode) or the URLs, not both',
  })
  .refine((env) => (env.REDIS_SENTINELS === undefined) === (env.REDIS_MASTER_NAME === undefined), {
    path: ['REDIS_MASTER_NAME'],
    error: 'REDIS_SENTINELS and REDIS_MASTER_NAME go together (Sentinel mode): set both or neither',
  })
  // The URLs get their defaults only outside Sentinel mode; in it they stay unset (and out of process.env).
  .transform(({ REDIS_WRITE_URL, REDIS_READ_URL, ...env }): typeof env & { REDIS_WRITE_URL?: string; REDIS_READ_URL?: string } => {
    if (env.REDIS_SENTINELS !== undefined) return env;
    const writeUrl = REDIS_WRITE_URL ?? DEFAULT_REDIS_URL;
    return { ...env, REDIS_WRITE_URL: writeUrl, REDIS_READ_URL: REDIS_READ_URL ?? writeUrl };
  });

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
