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

/** 403: who may delete it instead; entries are public, so naming the author reveals nothing. */
export function notYourEntry(author: string | null): ProblemException {
  const who = author === null ? 'it has no author, so only an admin may' : `only its author (${author}) or an admin may`;
  return new ProblemException(HttpStatus.FORBIDDEN, 'not-your-entry', 'Not your entry', `You may not delete this entry: ${who}`);
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

/** Too few replicas confirmed a create or delete in time: it may or may not have been stored. */
export function writeNotConfirmed(): ProblemException {
  return new ProblemException(
    HttpStatus.SERVICE_UNAVAILABLE,
    'write-not-confirmed',
    'Write not confirmed',
    'Too few storage replicas confirmed this write in time, so it may or may not have been stored; ' +
      'try again in a moment (a create with the same Idempotency-Key never stores it twice)',
    {},
    { 'Retry-After': '1' },
  );
}

/** Writes: Redis unreachable, or fewer replicas than REDIS_MIN_REPLICA_ACKS confirmed the write in time. */
export const ApiWriteNotConfirmed = () =>
  ApiProblem(
    HttpStatus.SERVICE_UNAVAILABLE,
    'Storage unreachable, or too few replicas confirmed the write in time (it may or may not have been stored); ' +
      'retry after `Retry-After` seconds',
    { headers: retryAfter },
  );

export function storageFull(): ProblemException {
  return new ProblemException(
    HttpStatus.INSUFFICIENT_STORAGE,
    'storage-full',
    'Storage full',
    'The journal has no room for new entries; nothing was stored. Reading and deleting entries still work',
  );
}

export function keyReused(): ProblemException {
  return new ProblemException(
    HttpStatus.UNPROCESSABLE_ENTITY,
    'idempotency-key-reused',
    'Idempotency-Key reused',
    'This Idempotency-Key was used in the last 24 hours for a different text; use a new key for a new entry',
  );
}

export function keyInFlight(): ProblemException {
  return new ProblemException(
    HttpStatus.CONFLICT,
    'idempotency-key-in-flight',
    'Request with this Idempotency-Key in progress',
    'A request with this Idempotency-Key is still being processed; retry after it was answered',
    {},
    { 'Retry-After': '1' },
  );
}
