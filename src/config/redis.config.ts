import { readFileSync } from 'node:fs';
import { registerAs } from '@nestjs/config';
import { ConfigError } from './config-error.js';
import { validatedEnv } from './env.schema.js';

/** Sentinel mode: the Sentinels to ask and the name they know the primary by. */
export interface SentinelEndpoint {
  sentinels: { host: string; port: number }[];
  masterName: string;
}

/** Where a client connects: a fixed redis:// URL, or whatever the Sentinels name. */
export type RedisEndpoint = string | SentinelEndpoint;

/**
 * Where Redis is and its password, read from the mounted Secret file (Redis and the Sentinels
 * share it). Without the file the API runs without auth (local development), except in
 * production, where that is a mistake.
 */
export const redisConfig = registerAs('redis', () => {
  const env = validatedEnv();
  const sentinel: SentinelEndpoint | undefined = env.REDIS_SENTINELS
    ? {
        sentinels: env.REDIS_SENTINELS.split(',').map((item) => {
          const [host, port] = item.split(':');
          return { host: host!, port: Number(port) };
        }),
        masterName: env.REDIS_MASTER_NAME!,
      }
    : undefined;
  return {
    writer: (sentinel ?? env.REDIS_WRITE_URL!) as RedisEndpoint,
    reader: (sentinel ?? env.REDIS_READ_URL!) as RedisEndpoint,
    passwordFile: env.REDIS_PASSWORD_FILE,
    minReplicaAcks: Number(env.REDIS_MIN_REPLICA_ACKS),
    password: readPassword(env.REDIS_PASSWORD_FILE, env.NODE_ENV === 'production'),
  };
});

export type RedisConfig = ReturnType<typeof redisConfig>;

function readPassword(file: string, required: boolean): string | undefined {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    if (required || reason !== 'does not exist') {
      throw new ConfigError(`REDIS_PASSWORD_FILE: ${file} ${reason}; NODE_ENV=production needs the Redis password`);
    }
    return undefined;
  }
  // Secrets made with --from-file often end in a newline; redis-server's "$(cat file)" drops it too.
  const password = content.replace(/[\r\n]+$/, '');
  if (password === '') throw new ConfigError(`REDIS_PASSWORD_FILE: ${file} is empty`);
  return password;
}
