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

export const retryAfter: Record<string, HeaderObject> = {
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

/** Writes: Redis unreachable, or fewer replicas than REDIS_MIN_REPLICA_ACKS confirmed the write in time. */
export const ApiWriteNotConfirmed = () =>
  ApiProblem(
    HttpStatus.SERVICE_UNAVAILABLE,
    'Storage unreachable, or too few replicas confirmed the write in time (it may or may not have been stored); ' +
      'retry after `Retry-After` seconds',
    { headers: retryAfter },
  );

/** Only when RATE_LIMIT_WRITES_PER_MINUTE is set: creates and deletes share one budget per client. */
export const ApiRateLimited = () =>
  ApiProblem(HttpStatus.TOO_MANY_REQUESTS, 'Over RATE_LIMIT_WRITES_PER_MINUTE writes this minute (when that is set)', {
    headers: retryAfter,
  });
