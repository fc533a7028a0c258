import { HttpStatus } from '@nestjs/common';
import { ApiResponse, type HeaderObject, type ReferenceObject } from '@nestjs/swagger';
import { z } from 'zod';
import { problemSchema } from '../problem/problem.js';

/** A `$ref` to the component a zod schema becomes (its `.meta({ id })`, see openapi.ts). */
export function ref(schema: z.ZodType): ReferenceObject {
  const id = z.globalRegistry.get(schema)?.id;
  if (!id) throw new Error('only schemas with .meta({ id }) are OpenAPI components');
  return { $ref: `#/components/schemas/${id}` };
}

const retryAfter: Record<string, HeaderObject> = {
  'Retry-After': { description: 'Seconds to wait before trying again', required: true, schema: { type: 'integer', minimum: 0 } },
};

/** An application/problem+json response (every error the API sends is one). */
export function ApiProblem(
  status: HttpStatus,
  description: string,
  options: { schema?: z.ZodType; headers?: Record<string, HeaderObject> } = {},
): MethodDecorator {
  return ApiResponse({
    status,
    description,
    headers: options.headers,
    content: { 'application/problem+json': { schema: ref(options.schema ?? problemSchema) } },
  });
}

/** Redis cannot be reached: every journal operation answers this within 2 s. */
export const ApiStorageUnavailable = () =>
  ApiProblem(HttpStatus.SERVICE_UNAVAILABLE, 'Storage unreachable; retry after `Retry-After` seconds', { headers: retryAfter });

/**
 * Creates and deletes share one budget per writer (per client address without a token) when
 * RATE_LIMIT_WRITES_PER_MINUTE is set; and an address with too many failed sign-ins waits too.
 */
export const ApiRateLimited = (
  description = 'Over RATE_LIMIT_WRITES_PER_MINUTE writes this minute (when that is set), or over AUTH_FAILURES_PER_MINUTE failed sign-ins from this address',
) => ApiProblem(HttpStatus.TOO_MANY_REQUESTS, description, { headers: retryAfter });

/** RFC 6750's challenge: on every 401, and on a 400 for a malformed Authorization header. */
const wwwAuthenticate = (required: boolean): Record<string, HeaderObject> => ({
  'WWW-Authenticate': {
    description: '`Bearer realm="journal"`, with `error="invalid_token"` for an unknown token and `error="invalid_request"` for a malformed header',
    required,
    schema: { type: 'string', pattern: '^Bearer realm="journal"' },
  },
});

/** A 400 that may be about the Authorization header (then with WWW-Authenticate). */
export const ApiBadRequest = (description: string) => ApiProblem(HttpStatus.BAD_REQUEST, description, { headers: wwwAuthenticate(false) });

/** AUTH_MODE=token: no usable credentials. */
export const ApiUnauthorized = (description: string) => ApiProblem(HttpStatus.UNAUTHORIZED, description, { headers: wwwAuthenticate(true) });
