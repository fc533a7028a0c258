import { HttpStatus } from '@nestjs/common';
import { ApiProblem, retryAfter } from '../openapi/responses.js';
import { ProblemException } from '../problem/problem.js';

export function entryNotFound(id: string): ProblemException {
  return new ProblemException(
    HttpStatus.NOT_FOUND,
    'entry-not-found',
    'Entry not found',
    `there is no entry with id ${JSON.stringify(id.slice(0, 100))}`,
  );
}

/** Redis is unreachable: clients should retry soon, the API heals by itself. */
export class StorageUnavailableException extends ProblemException {
  constructor() {
    super(
      HttpStatus.SERVICE_UNAVAILABLE,
      'storage-unavailable',
      'Storage unavailable',
      'The journal cannot reach its storage right now; try again in a moment',
      {},
      { 'Retry-After': '1' },
    );
  }
}

/** Redis cannot be reached: every journal operation answers this within 2 s. */
export const ApiStorageUnavailable = () =>
  ApiProblem(HttpStatus.SERVICE_UNAVAILABLE, 'Storage unreachable; retry after `Retry-After` seconds', { headers: retryAfter });
