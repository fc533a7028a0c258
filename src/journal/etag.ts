import { createHash } from 'node:crypto';

/**
 * An entry's ETag: the SHA-1 of its stored JSON, quoted (a strong validator). The edit script
 * computes the same digest with redis.sha1hex, so "changed meanwhile" is decided inside Redis.
 */
export function etagOf(json: string): string {
  return `"${digestOf(json)}"`;
}

export function digestOf(json: string): string {
  return createHash('sha1').update(json).digest('hex');
}

/**
 * The digests an If-Match header names (RFC 9110: a list of strong entity tags, or `*` for any);
 * weak tags (W/"...") never match, as If-Match compares strongly.
 */
export function ifMatchDigests(header: string): { any: true } | { digests: string[] } {
  if (header.trim() === '*') return { any: true };
  const digests = [...header.matchAll(/(?:^|,)\s*("([0-9a-f]{40})"|W\/"[^"]*"|"[^"]*")\s*(?=,|$)/g)].flatMap((match) =>
    match[2] ? [match[2]] : [],
  );
  return { digests };
}
