// What is being written, kept in localStorage until it is saved, so a reload, a closed tab or a
// crash loses nothing: the new entry's text, and the edits left open. Kept per author (and once
// when writes need no token), so someone else signing in on the same browser never sees them.
import type { Entry } from './api.js';

const DRAFT_KEY = 'journal-draft';
const EDITS_KEY = 'journal-edits';

const keyOf = (prefix: string, author: string | undefined) => (author === undefined ? prefix : `${prefix}:${author}`);

function stored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage off (some private modes): no drafts, nothing else changes
  }
}

/** Keeps `value` under `key`; undefined forgets it. */
function store(key: string, value: string | undefined): void {
  try {
    if (value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Full or off: the text is still on the page.
  }
}

export function loadDraft(author: string | undefined): string {
  return stored(keyOf(DRAFT_KEY, author)) ?? '';
}

/** Keeps `text` as the author's draft; a blank one is forgotten. */
export function keepDraft(author: string | undefined, text: string): void {
  store(keyOf(DRAFT_KEY, author), text.trim() === '' ? undefined : text);
}

/** An edit left open, as kept across reloads. */
export interface StoredEdit {
  /** The version edited: its ETag goes in If-Match. After a conflict, the version that replaced it. */
  base: Entry;
  etag: string;
  /** As typed and ticked so far. */
  text: string;
  private: boolean;
  /** The entry changed elsewhere since the edit began (a 412): `base` is shown beside the text. */
  conflict: boolean;
  /** The entry was deleted elsewhere: nothing left to save to; the text is kept to be copied. */
  gone: boolean;
}

/** Each open edit under a key of its own (`journal-edits:<author>/<id>`): tabs editing different entries never overwrite each other's. */
const editKey = (author: string | undefined, id: string) => `${keyOf(EDITS_KEY, author)}/${id}`;

/** The author's open edits, by entry id. */
export function loadEdits(author: string | undefined): Record<string, StoredEdit> {
  const prefix = editKey(author, '');
  const edits: Record<string, StoredEdit> = {};
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key?.startsWith(prefix)) edits[key.slice(prefix.length)] = JSON.parse(localStorage.getItem(key)!) as StoredEdit;
    }
  } catch {
    // Storage off, or an edit not ours to read (changed by hand): go on with those read so far.
  }
  return edits;
}

/** Keeps the author's open edit of entry `id`; undefined forgets it (saved or closed). */
export function keepEdit(author: string | undefined, id: string, edit: StoredEdit | undefined): void {
  store(editKey(author, id), edit === undefined ? undefined : JSON.stringify(edit));
}
