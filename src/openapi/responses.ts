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

/** The header of a 429 or 503: when to try again. */
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
