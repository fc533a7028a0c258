// The entry as clients see it, shared by the API and the web UI: no imports, so the browser bundle can take it.

export interface Entry {
  id: string;
  text: string;
  createdAt: string;
  /** The name of the token that wrote it; only on entries created with AUTH_MODE=token. */
  author?: string;
}

export interface EntryPage {
  entries: Entry[];
  page: number;
  pageSize: number;
  total: number;
}

export const MAX_TEXT_CODE_POINTS = 10_000;
export const MAX_BODY_BYTES = 64 * 1024;

/** Code points, not UTF-16 units: an emoji counts as one character. */
export function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
