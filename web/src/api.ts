// The journal API (docs/api.md), same origin: the Ingress (or bin/up's NGINX) routes /api to it.
import { errorMessage, NETWORK_ERROR } from './format.js';

import type { Entry, EntryPage } from '../../src/journal/entry.contract.js';

export type { Entry, EntryPage };

/** A failed call, with the message to show (status 0: the request never got an answer). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function send<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(NETWORK_ERROR, 0);
  }
  if (res.ok) return (res.status === 204 ? undefined : await res.json()) as T;
  const problem: unknown = /json/.test(res.headers.get('content-type') ?? '') ? await res.json().catch(() => undefined) : undefined;
  throw new ApiError(errorMessage(res.status, problem), res.status);
}

export const api = {
  list: (page: number, signal?: AbortSignal) => send<EntryPage>('GET', `/api/entries?page=${page}`, undefined, signal),
  create: (text: string) => send<Entry>('POST', '/api/entries', { text }),
  remove: (id: string) => send<void>('DELETE', `/api/entries/${encodeURIComponent(id)}`),
};
