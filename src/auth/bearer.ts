/** Tokens are 43 characters (256 bits, base64url); anything much longer is not one of ours. */
export const MAX_TOKEN_LENGTH = 256;

/** RFC 6750's b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export type Credentials = { kind: 'none' } | { kind: 'malformed'; problem: string } | { kind: 'token'; token: string };

/**
 * What a request's Authorization headers hold (Node's headersDistinct: each one as sent). No
 * header, or another scheme (Basic...), is no credentials; the scheme name is case-insensitive
 * (RFC 9110), so "bearer" is Bearer too. Two headers are a mistake, never "the first one wins".
 */
export function bearerCredentials(headers: readonly string[] | undefined): Credentials {
  if (headers === undefined || headers.length === 0) return { kind: 'none' };
  if (headers.length > 1) return { kind: 'malformed', problem: `send one Authorization header, not ${headers.length}` };
  const header = headers[0]!;
  const [, scheme = '', rest = ''] = /^([^ ]*)( +.*)?$/s.exec(header) ?? [];
  if (scheme === '') return { kind: 'malformed', problem: 'the Authorization header is empty' };
  if (scheme.toLowerCase() !== 'bearer') return { kind: 'none' };
  const token = rest.trim();
  if (token === '') return { kind: 'malformed', problem: 'the Bearer scheme needs a token: Authorization: Bearer <token>' };
  if (token.length > MAX_TOKEN_LENGTH) return { kind: 'malformed', problem: `the token is longer than ${MAX_TOKEN_LENGTH} characters` };
  if (!B64TOKEN.test(token)) return { kind: 'malformed', problem: 'the token has characters a bearer token cannot have, or spaces in it' };
  return { kind: 'token', token };
}
