import type { Author } from '../auth/author.js';

/** The fields of a stored entry that decide who may see and change it. */
export interface Owned {
  author?: string;
  private?: boolean;
}

/**
 * A private entry exists only for its author and admins; any other entry for everyone. `caller`:
 * the signed-in person, undefined when anonymous (or AUTH_MODE=off).
 */
export function mayRead(entry: Owned, caller: Author | undefined): boolean {
  return entry.private !== true || caller?.admin === true || (caller !== undefined && entry.author === caller.name);
}

/**
 * Edits and deletes: the author or an admin; anyone when writes need no token (`caller` undefined:
 * the write guard lets a request through without one only with AUTH_MODE=off). Entries without an
 * author: admins only.
 */
export function mayChange(entry: Owned, caller: Author | undefined): boolean {
  return caller === undefined || caller.admin || (entry.author !== undefined && entry.author === caller.name);
}

/** Imports store entries under any author, private ones included: admins only; anyone when writes need no token (as for edits). */
export function mayImport(caller: Author | undefined): boolean {
  return caller === undefined || caller.admin;
}
