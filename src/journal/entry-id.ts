import { createHash, randomBytes } from 'node:crypto';
import { encodeTime, monotonicFactory, TIME_MAX } from 'ulid';

/**
 * Entry ids are ULIDs: the creation time (ms) then 80 random bits, in Crockford base32. They sort
 * by time and are made here, not by a counter in Redis, so an id is never given twice: not even
 * by a new primary that lost the last writes of the old one in a failover (a counter would hand
 * the lost entries' ids out again, and a client deleting "its" entry would delete someone else's).
 * Monotonic: ids made in one millisecond by this process still increase.
 */
const nextUlid = monotonicFactory(pooledRandom());

/**
 * The same source as ulid's own (the system's CSPRNG, one byte per character, as a fraction of 256),
 * read 4 KiB at a time: ulid's default asks the system once per character, 16 calls per id, which
 * was 4% of the API's CPU time under a write load.
 */
function pooledRandom(): () => number {
  let pool = randomBytes(4096);
  let next = 0;
  return () => {
    if (next === pool.length) [pool, next] = [randomBytes(4096), 0];
    return pool[next++]! / 256;
  };
}

export function newEntryId(now: number): string {
  return nextUlid(now);
}

const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/i;
/** Ids of entries stored before ULIDs: the counter's integers. They keep working. */
const LEGACY_ID = /^[1-9]\d{0,15}$/;

/** The id as stored, or undefined when `id` cannot be an entry's id (a 404). ULIDs are case-insensitive. */
export function parseId(id: string): string | undefined {
  if (ULID.test(id)) return id.toUpperCase();
  if (LEGACY_ID.test(id) && Number.isSafeInteger(Number(id))) return id;
  return undefined;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The id of an entry imported from another journal that knows it by `key` (Day One's uuid): a ULID
 * whose time is `createdAtMs` and whose 80 random bits are the first 80 bits of a SHA-256 of the
 * key, so the same entry imported again gets the same id (and is skipped). Undefined when the time
 * cannot be a ULID's (before 1970, or after the year 10889).
 */
export function stableEntryId(createdAtMs: number, key: string): string | undefined {
  if (!Number.isSafeInteger(createdAtMs) || createdAtMs < 0 || createdAtMs > TIME_MAX) return undefined;
  let bits = BigInt(`0x${createHash('sha256').update(`journal-import:${key}`).digest('hex').slice(0, 20)}`);
  let random = '';
  for (let i = 0; i < 16; i++, bits >>= 5n) random = CROCKFORD[Number(bits & 31n)] + random;
  return encodeTime(createdAtMs) + random;
}
