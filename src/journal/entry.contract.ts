// The entry as clients see it, shared by the API and the web UI: no imports, so the browser bundle can take it.

export interface Entry {
  id: string;
  text: string;
  createdAt: string;
  /** The name of the token that wrote it; only on entries created with AUTH_MODE=token. */
  author?: string;
  /** When it was last edited; only on edited entries. */
  updatedAt?: string;
  /** Only on private entries (true): visible to its author and admins only. */
  private?: true;
}

/** One line of an export (and of an NDJSON import): every field, null when the entry has none. */
export interface ExportedEntry {
  id: string;
  text: string;
  createdAt: string;
  updatedAt: string | null;
  author: string | null;
  private: boolean;
}

/** What an import did: records stored, records whose id existed already, bad records (the first MAX_LISTED_FAILURES). */
export interface ImportSummary {
  imported: number;
  skipped: number;
  failed: { line: number; reason: string }[];
  failedTotal: number;
}

export interface EntryPage {
  entries: Entry[];
  page: number;
  pageSize: number;
  total: number;
}

export const MAX_TEXT_CODE_POINTS = 10_000;
export const MAX_BODY_BYTES = 64 * 1024;
/** POST /api/entries/import reads bodies up to this size, as a stream. */
export const MAX_IMPORT_BYTES = 100 * 1024 * 1024;
/** An import lists this many bad records at most (and counts them all). */
export const MAX_LISTED_FAILURES = 1000;

/** Code points, not UTF-16 units nor what a reader sees as one: 😀 is one, 👩‍💻 (joined) is three. */
export function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * Characters that show nothing: white space, control characters, and those Unicode marks "default
 * ignorable" (zero-width space U+200B, word joiner U+2060, BOM U+FEFF, variation selectors, soft
 * hyphen, Hangul fillers...). A text of only these looks empty, though trim() keeps it.
 */
const INVISIBLE = /^[\s\p{Cc}\p{Default_Ignorable_Code_Point}]*$/u;

/** What is wrong with an entry that shows nothing: undefined if it has a visible character. */
export function blankProblem(text: string): 'blank' | 'invisible' | undefined {
  if (text.trim() === '') return 'blank';
  return INVISIBLE.test(text) ? 'invisible' : undefined;
}
