// The journal API (docs/api.md), same origin: the Gateway (or bin/up's NGINX) routes /api to it.
import { errorMessage, fileNameFromDisposition, NETWORK_ERROR } from './format.js';

import type { AuthStatus } from '../../src/auth/auth-status.contract.js';
import type { Entry, EntryPage } from '../../src/journal/entry.contract.js';

export type { AuthStatus, Entry, EntryPage };

/** A failed call, with the message to show (status 0: the request never got an answer). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** An entry with the ETag of the version it is: what an edit's If-Match names. */
export interface TaggedEntry {
  entry: Entry;
  etag: string;
}

/** What an import did: entries added, already there, and the records it could not take (the first 1,000). */
export interface ImportSummary {
  imported: number;
  skipped: number;
  failed: { line: number; reason: string }[];
  failedTotal: number;
}

/** An edit: the fields that change. */
export interface EntryPatch {
  text?: string;
  private?: boolean;
}

type Options = { body?: unknown; token?: string; signal?: AbortSignal; headers?: Record<string, string>; accept?: string };

/** `token` goes only into the Authorization header, never into a URL. Resolves with a 2xx response, else throws an ApiError. */
async function request(method: string, path: string, options: Options = {}): Promise<Response> {
  const { body, token, signal } = options;
  const headers: Record<string, string> = { accept: options.accept ?? 'application/json, application/problem+json', ...options.headers };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(NETWORK_ERROR, 0);
  }
  if (res.ok) return res;
  const problem: unknown = /json/.test(res.headers.get('content-type') ?? '') ? await res.json().catch(() => undefined) : undefined;
  throw new ApiError(errorMessage(res.status, problem), res.status);
}

async function send<T>(method: string, path: string, options: Options = {}): Promise<T> {
  const res = await request(method, path, options);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/**
 * The entry and its ETag. A proxy that compresses the answer (NGINX's gzip does) turns the API's
 * strong ETag into a weak one (W/"..."), which If-Match never matches: the digest is the API's
 * own, so it is sent back strong.
 */
async function sendTagged(method: string, path: string, options: Options): Promise<TaggedEntry> {
  const res = await request(method, path, options);
  const etag = (res.headers.get('etag') ?? '').replace(/^W\//, '');
  return { entry: (await res.json()) as Entry, etag };
}

const entryPath = (id: string) => `/api/entries/${encodeURIComponent(id)}`;

export const api = {
  /** `token`: needed when reads need one (READ_ACCESS=signed-in); `q`: a search (blank: the plain list). */
  list: (page: number, signal?: AbortSignal, token?: string, q = '') =>
    send<EntryPage>('GET', `/api/entries?page=${page}${q.trim() === '' ? '' : `&q=${encodeURIComponent(q)}`}`, { signal, token }),
  /** `idempotencyKey`: one per save attempt, the same when the save is retried, so a retry never adds a second entry. */
  create: (text: string, idempotencyKey: string, token?: string, isPrivate = false) =>
    send<Entry>('POST', '/api/entries', {
      body: isPrivate ? { text, private: true } : { text },
      token,
      headers: { 'idempotency-key': idempotencyKey },
    }),
  get: (id: string, token?: string) => sendTagged('GET', entryPath(id), { token }),
  /** `etag`: the version the edit was made on (If-Match); a 412 when the entry changed since. */
  edit: (id: string, patch: EntryPatch, etag: string, token?: string) =>
    sendTagged('PATCH', entryPath(id), { body: patch, token, headers: { 'if-match': etag } }),
  remove: (id: string, token?: string) => send<void>('DELETE', entryPath(id), { token }),
  /** Every entry the token may read, as the file the API names (an NDJSON attachment). */
  export: async (token?: string): Promise<{ file: Blob; name: string }> => {
    const res = await request('GET', '/api/entries/export', { token, accept: 'application/x-ndjson, application/problem+json' });
    return { file: await res.blob(), name: fileNameFromDisposition(res.headers.get('content-disposition')) ?? 'journal.ndjson' };
  },
  /**
   * Adds the entries of `file`: an export of this journal (.ndjson) or Day One's JSON export. The
   * browser streams the file; entries already there are skipped, so sending it again is safe.
   */
  import: async (file: File, token?: string): Promise<ImportSummary> => {
    const type = /\.json$/i.test(file.name) || file.type === 'application/json' ? 'application/json' : 'application/x-ndjson';
    const headers: Record<string, string> = { 'content-type': type, accept: 'application/json, application/problem+json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await fetch('/api/entries/import', { method: 'POST', headers, body: file });
    } catch {
      throw new ApiError(NETWORK_ERROR, 0);
    }
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok) throw new ApiError(errorMessage(res.status, body), res.status);
    return body as ImportSummary;
  },
  /** Whether writes need a token, and whose `token` is (a 401 if it is not valid). */
  me: (token?: string) => send<AuthStatus>('GET', '/api/auth/me', { token }),
};
