import { applyDecorators, HttpStatus } from '@nestjs/common';
import { ApiSecurity, type HeaderObject } from '@nestjs/swagger';
import { ApiProblem } from '../openapi/responses.js';

/** RFC 6750's challenge: on every 401, and on a 400 for a malformed Authorization header. */
const wwwAuthenticate = (required: boolean): Record<string, HeaderObject> => ({
  'WWW-Authenticate': {
    description:
      '`Bearer realm="journal"`, with `error="invalid_token"` for an unknown token and `error="invalid_request"` for a malformed header',
    required,
    schema: { type: 'string', pattern: '^Bearer realm="journal"' },
  },
});

/** A 400 that may be about the Authorization header (then with WWW-Authenticate). */
export const ApiBadRequest = (description: string) => ApiProblem(HttpStatus.BAD_REQUEST, description, { headers: wwwAuthenticate(false) });

/** AUTH_MODE=token: no usable credentials. */
export const ApiUnauthorized = (description: string) =>
  ApiProblem(HttpStatus.UNAUTHORIZED, description, { headers: wwwAuthenticate(true) });

/** The reads of entries: who may make them (READ_ACCESS). */
export const READ_ACCESS_RULE =
  'With READ_ACCESS=signed-in it needs a valid token; with READ_ACCESS=public (the default) anyone may read, and a token sent along is checked too.';
export const READ_UNAUTHORIZED =
  'READ_ACCESS=signed-in: no token (or another scheme than Bearer); either setting: an unknown token (`error="invalid_token"`)';
export const READ_RATE_LIMITED =
  'Over AUTH_FAILURES_PER_MINUTE failed sign-ins from this address this minute (only for a token that fails: a valid token is never refused for it)';

/** A token the operation takes but may go without ({} is "no credentials"): /api/auth/me, and reads, where READ_ACCESS decides. */
export const ApiOptionalBearer = () => applyDecorators(ApiSecurity('bearer'), ApiSecurity({}));
