import { HttpStatus } from '@nestjs/common';
import { ApiProblem, retryAfter } from '../openapi/responses.js';
import { ProblemException } from '../problem/problem.js';
import { MAX_IMPORT_BYTES, type ImportSummary } from './entry.contract.js';
import type { ImportStop } from './import-records.js';

export function entryNotFound(id: string): ProblemException {
  return new ProblemException(
    HttpStatus.NOT_FOUND,
    'entry-not-found',
    'Entry not found',
    `there is no entry with id ${JSON.stringify(id.slice(0, 100))}`,
  );
}

/** 403: who may change it instead; the caller can read the entry, so naming its author reveals nothing. */
export function notYourEntry(author: string | null, action: 'edit' | 'delete'): ProblemException {
  const who = author === null ? 'it has no author, so only an admin may' : `only its author (${author}) or an admin may`;
  return new ProblemException(HttpStatus.FORBIDDEN, 'not-your-entry', 'Not your entry', `You may not ${action} this entry: ${who}`);
}

/** A private entry needs an author to be visible to: only writers with a token have one. */
export function privateNeedsSignIn(): ProblemException {
  return new ProblemException(
    HttpStatus.BAD_REQUEST,
    'private-needs-sign-in',
    'Private entries need sign-in',
    'An entry can be private only when writes need a token (AUTH_MODE=token): it is visible to its author and admins',
  );
}

/** 428: an edit must say which version it changes, or it could overwrite someone else's edit unseen. */
export function preconditionRequired(): ProblemException {
  return new ProblemException(
    HttpStatus.PRECONDITION_REQUIRED,
    'if-match-required',
    'If-Match required',
    'An edit needs If-Match with the ETag of the entry as you last read it (GET /api/entries/{id} answers it)',
  );
}

/** 412: the entry changed since the client read it. */
export function preconditionFailed(): ProblemException {
  return new ProblemException(
    HttpStatus.PRECONDITION_FAILED,
    'entry-changed',
    'Entry changed meanwhile',
    'The entry changed since you read it (its ETag is no longer the one in If-Match): read it again and redo your edit on the new version',
  );
}

/** Redis is unreachable: clients should retry soon, the API heals by itself. */
export class StorageUnavailableException extends ProblemException {
  constructor(detail = 'The journal cannot reach its storage right now; try again in a moment') {
    super(HttpStatus.SERVICE_UNAVAILABLE, 'storage-unavailable', 'Storage unavailable', detail, {}, { 'Retry-After': '1' });
  }
}

/** Reads: Redis cannot be reached (answered within 2 s), for the entries or for counting a failed sign-in. */
export const ApiReadUnavailable = () =>
  ApiProblem(
    HttpStatus.SERVICE_UNAVAILABLE,
    'Storage unreachable, or an unknown token while failed sign-ins cannot be counted; retry after `Retry-After` seconds',
    { headers: retryAfter },
  );

/** Too few replicas confirmed a create or delete in time: it may or may not have been stored. */
export function writeNotConfirmed(
  detail = 'Too few storage replicas confirmed this write in time, so it may or may not have been stored; ' +
    'try again in a moment (a create with the same Idempotency-Key never stores it twice)',
): ProblemException {
  return new ProblemException(
    HttpStatus.SERVICE_UNAVAILABLE,
    'write-not-confirmed',
    'Write not confirmed',
    detail,
    {},
    { 'Retry-After': '1' },
  );
}

/** Writes: Redis unreachable, or fewer replicas than REDIS_MIN_REPLICA_ACKS confirmed the write in time. */
export const ApiWriteNotConfirmed = () =>
  ApiProblem(
    HttpStatus.SERVICE_UNAVAILABLE,
    'Storage unreachable, or too few replicas confirmed the write in time (it may or may not have been stored), ' +
      'or an unknown token while failed sign-ins cannot be counted; retry after `Retry-After` seconds',
    { headers: retryAfter },
  );

export function storageFull(
  detail = 'The journal has no room for new entries; nothing was stored. Reading and deleting entries still work',
): ProblemException {
  return new ProblemException(HttpStatus.INSUFFICIENT_STORAGE, 'storage-full', 'Storage full', detail);
}

/** An import's ids are those of the file, so sending it again stores only what is missing. */
const RESEND = 'sending the same file again is safe: entries already stored are skipped';

/** The storage problems of an import that stopped part way: the usual types, with what to do about the entries before. */
export const importInterrupted = {
  unavailable: () =>
    new StorageUnavailableException(
      `The journal cannot reach its storage right now, so the import stopped (the entries before that point may have been imported); in a moment, ${RESEND}`,
    ),
  notConfirmed: () =>
    writeNotConfirmed(
      `Too few storage replicas confirmed the imported entries in time, so the import stopped (entries may or may not have been stored); in a moment, ${RESEND}`,
    ),
  full: () =>
    storageFull(
      `The journal has no room for new entries, so the import stopped (the entries before that point may have been imported). Reading and deleting entries still work; once there is room, ${RESEND}`,
    ),
};

export function importNotAllowed(name: string): ProblemException {
  return new ProblemException(
    HttpStatus.FORBIDDEN,
    'import-needs-admin',
    'Only admins may import',
    `Importing entries (with their authors and privacy) is for AUTH_ADMINS names only, and ${name} is not one`,
  );
}

export function importTypeUnsupported(type: string | undefined): ProblemException {
  return new ProblemException(
    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    'import-type-unsupported',
    'Unsupported import format',
    `Content-Type must be application/x-ndjson (an export of this journal) or application/json (a Day One export), got ${type === undefined ? 'none' : JSON.stringify(type.slice(0, 100))}`,
  );
}

export function importEncodingUnsupported(encoding: string): ProblemException {
  return new ProblemException(
    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    'import-encoding-unsupported',
    'Unsupported content encoding',
    `The body must be sent as it is (no Content-Encoding), got ${JSON.stringify(encoding.slice(0, 100))}`,
  );
}

/** A body announced (Content-Length) over the limit: nothing was read or stored. */
export function importTooLarge(): ProblemException {
  return new ProblemException(
    HttpStatus.PAYLOAD_TOO_LARGE,
    'import-too-large',
    'Import too large',
    `The body is larger than the ${MAX_IMPORT_BYTES / 1024 / 1024} MiB an import takes: nothing was imported. Split the file: each part may be sent on its own`,
    { imported: 0, skipped: 0, failed: [], failedTotal: 0, lastLine: 0 },
  );
}

/**
 * An import that stopped before the end of its body: over the size limit (413: nothing after the
 * limit was read), not read whole in time (408), or a file that cannot be read on (400). The
 * records read before were imported as usual: the summary says what happened to them, and
 * `lastLine` where the next import can start.
 */
export function importStopped(stop: ImportStop, summary: ImportSummary, lastLine: number): ProblemException {
  const where = lastLine === 0 ? 'before the first record' : `after line ${lastLine}`;
  const done = `${where}: ${summary.imported} imported, ${summary.skipped} skipped, ${summary.failedTotal} failed`;
  const rest = `send the rest of the file (from line ${lastLine + 1}) as another import; sending all of it again is also safe (entries already stored are skipped)`;
  const [slug, title, advice] =
    stop.status === HttpStatus.PAYLOAD_TOO_LARGE
      ? ['import-too-large', 'Import too large', `Split the file: ${rest}`]
      : stop.status === HttpStatus.REQUEST_TIMEOUT
        ? ['import-timed-out', 'Import not read in time', `To go on, ${rest}`]
        : ['import-unreadable', 'Import file unreadable', `Once it is corrected, ${RESEND}`];
  return new ProblemException(stop.status, slug, title, `${stop.message}: the import stopped there (${done}). ${advice}`, {
    ...summary,
    lastLine,
  });
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
