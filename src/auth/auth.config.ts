import { registerAs } from '@nestjs/config';
import { validatedEnv } from '../config/env.schema.js';
import type { ReadAccess } from './auth-status.contract.js';

/** Who may write and read; TokenStore reads the tokens file. */
export const authConfig = registerAs('auth', () => {
  const env = validatedEnv();
  return {
    mode: env.AUTH_MODE === 'token' ? ('token' as const) : ('off' as const),
    /** False when AUTH_MODE is unset: off, with a warning at start. */
    modeSet: env.AUTH_MODE !== undefined,
    tokensFile: env.AUTH_TOKENS_FILE,
    admins: new Set(env.AUTH_ADMINS?.split(',') ?? []),
    failuresPerMinute: Number(env.AUTH_FAILURES_PER_MINUTE),
    /** `signed-in`: reading entries needs a valid token too (only with AUTH_MODE=token). */
    readAccess: env.READ_ACCESS as ReadAccess,
  };
});

export type AuthConfig = ReturnType<typeof authConfig>;
