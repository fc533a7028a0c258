// GET /api/auth/me's answer, shared by the API and the web UI: no imports, so the browser bundle can take it.

/** READ_ACCESS: anyone reads the entries, or only holders of a valid token. */
export type ReadAccess = 'public' | 'signed-in';

/**
 * `off`: anyone may read, write and delete. `token`: writes need a token, reads too when `read` is
 * `signed-in`; `name` and `admin` when one came with the request.
 */
export type AuthStatus = { mode: 'off' } | { mode: 'token'; read: ReadAccess; name?: string; admin?: boolean };

/** Where the web UI keeps the token (sessionStorage) and how a link carries it (the URL fragment, #token=...). */
export const TOKEN_STORAGE_KEY = 'journal-token';
export const TOKEN_FRAGMENT = 'token';
