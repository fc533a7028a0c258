import { bearer, newToken, tokenAuth } from '../support/auth.js';

/** Who calls in the journal specs: two writers, an admin, and someone without a token. */
export type Who = 'alice' | 'bob' | 'carol' | 'anonymous';

/**
 * AUTH_MODE=token with alice and bob (writers) and carol (AUTH_ADMINS), plus `env`; the headers
 * each caller sends, and the tokens file's volume (remove it after the spec).
 */
export function callers(env: Record<string, string>) {
  const [alice, bob, carol] = [newToken(), newToken(), newToken()];
  const auth = tokenAuth(
    [
      ['alice', alice],
      ['bob', bob],
      ['carol', carol],
    ],
    { AUTH_ADMINS: 'carol', ...env },
  );
  const headers: Record<Who, Record<string, string>> = { alice: bearer(alice), bob: bearer(bob), carol: bearer(carol), anonymous: {} };
  return { ...auth, headers };
}
