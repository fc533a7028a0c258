import { AUTHOR_NAME } from '../config/env.schema.js';

/** One line of the tokens file: an author's name and the SHA-256 digest of one of their tokens. */
export interface StoredToken {
  name: string;
  digest: Buffer;
}

/** A tokens file that cannot be used; the message names the line (never its digest). */
export class TokensFileError extends Error {
  override name = 'TokensFileError';
}

const LINE = /^(\S+)[ \t]+sha256:([0-9a-fA-F]{64})$/;

/**
 * Parses `<name> sha256:<64 hex digits>` lines; `#` comments and blank lines are skipped, and a
 * name may have several lines (old and new token during a rotation). The same digest twice is a
 * mistake (one token, two names): refused.
 */
export function parseTokensFile(text: string): StoredToken[] {
  const tokens: StoredToken[] = [];
  const seen = new Map<string, number>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const number = index + 1;
    const match = LINE.exec(line);
    if (!match) throw new TokensFileError(`line ${number} is not "<name> sha256:<64 hex digits>"`);
    const [, name, hex] = match as unknown as [string, string, string];
    if (!AUTHOR_NAME.test(name)) throw new TokensFileError(`line ${number}: the name must be 1-64 letters, digits or . _ @ -`);
    const digest = hex.toLowerCase();
    const earlier = seen.get(digest);
    if (earlier !== undefined) throw new TokensFileError(`line ${number} has the same digest as line ${earlier}`);
    seen.set(digest, number);
    tokens.push({ name, digest: Buffer.from(digest, 'hex') });
  });
  return tokens;
}
