import { readFileSync } from 'node:fs';
import { registerAs } from '@nestjs/config';
import { ConfigError } from './config-error.js';
import { validatedEnv } from './env.schema.js';

/**
 * Where Redis is and its password, read from the mounted Secret file. Without the file the API
 * runs without auth (local development), except in production, where that is a mistake.
 */
export const redisConfig = registerAs('redis', () => {
  const env = validatedEnv();
  return {
    writeUrl: env.REDIS_WRITE_URL,
    readUrl: env.REDIS_READ_URL,
    passwordFile: env.REDIS_PASSWORD_FILE,
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
