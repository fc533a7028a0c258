import { registerAs } from '@nestjs/config';

/** Who may write (validated by env.schema.ts before this runs); TokenStore reads the tokens file. */
export const authConfig = registerAs('auth', () => ({
  mode: process.env.AUTH_MODE === 'token' ? ('token' as const) : ('off' as const),
  /** False when AUTH_MODE is unset: off, with a warning at start. */
  modeSet: process.env.AUTH_MODE !== undefined,
  tokensFile: process.env.AUTH_TOKENS_FILE!,
  admins: new Set(process.env.AUTH_ADMINS?.split(',') ?? []),
  failuresPerMinute: Number(process.env.AUTH_FAILURES_PER_MINUTE),
}));

export type AuthConfig = ReturnType<typeof authConfig>;
