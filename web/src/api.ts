// The journal API (docs/api.md), same origin: the Ingress (or bin/up's NGINX) routes /api to it.
import { errorMessage, NETWORK_ERROR } from './format.js';

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

/** `token` goes only into the Authorization header, never into a URL. */
async function send<T>(
  method: string,
  path: string,
  options: { body?: unknown; token?: string; signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<T> {
  const { body, token, signal } = options;
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...options.headers };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
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
  list: (page: number, signal?: AbortSignal) => send<EntryPage>('GET', `/api/entries?page=${page}`, { signal }),
  /** `idempotencyKey`: one per save attempt, the same when the save is retried, so a retry never adds a second entry. */
  create: (text: string, idempotencyKey: string, token?: string) =>
    send<Entry>('POST', '/api/entries', { body: { text }, token, headers: { 'idempotency-key': idempotencyKey } }),
  remove: (id: string, token?: string) => send<void>('DELETE', `/api/entries/${encodeURIComponent(id)}`, { token }),
  /** Whether writes need a token, and whose `token` is (a 401 if it is not valid). */
  me: (token?: string) => send<AuthStatus>('GET', '/api/auth/me', { token }),
};
