import { HttpStatus } from '@nestjs/common';
import type { HeaderObject } from '@nestjs/swagger';
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
