import { createHash } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import { ProblemException } from '../problem/problem.js';

/**
 * Idempotency-Key on POST /api/entries: a client sends one key per save attempt and the same key
 * when it retries that save, so a retry after a lost answer or a 503 never stores a second entry.
 *
 * In Redis, written by the create script together with the entry (journal.store.ts):
 * - `journal:idempotency:{author}:{key}`: the text's fingerprint and the first answer's entry, kept 24 h.
 * - `journal:idempotency-in-flight:{author}:{key}`: set while the first request waits for its
 *   replicas, deleted when it is answered; it expires by itself if that API process dies.
 * `{author}` is the authenticated author's name, empty while writes need none; names never
 * contain ':', so two authors' keys never meet.
 */
export const RECORD_TTL_S = 24 * 60 * 60;

/** Longer than a create can take (two WAITs, see replica-acks.ts), short enough that a retry after a crash soon replays. */
export const IN_FLIGHT_TTL_MS = 2000;

/** 1 to 128 visible ASCII characters (RFC 9110 field-value characters without spaces). */
const KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;

export const IDEMPOTENCY_KEY_RULE = '1 to 128 visible ASCII characters (no spaces)';

/** The header's value, or undefined when the request has none; 400 when it breaks the rule. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header === 'string' && KEY_PATTERN.test(header)) return header;
  throw new ProblemException(
    HttpStatus.BAD_REQUEST,
    'idempotency-key-invalid',
    'Invalid Idempotency-Key',
    `Idempotency-Key must be ${IDEMPOTENCY_KEY_RULE}, sent once`,
  );
}

export function idempotencyKeys(author: string | undefined, key: string): { record: string; inFlight: string } {
  const scoped = `${author ?? ''}:${key}`;
  return { record: `journal:idempotency:${scoped}`, inFlight: `journal:idempotency-in-flight:${scoped}` };
}

/** What "the same request" means: the same text (the body has no other field). Always 44 characters. */
export function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}
