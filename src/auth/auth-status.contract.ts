// GET /api/auth/me's answer, shared by the API and the web UI: no imports, so the browser bundle can take it.

/** `off`: anyone may write and delete. `token`: writes need a token; `name` and `admin` when one came with the request. */
export type AuthStatus = { mode: 'off' } | { mode: 'token'; name?: string; admin?: boolean };

/** Where the web UI keeps the token (sessionStorage) and how a link carries it (the URL fragment, #token=...). */
export const TOKEN_STORAGE_KEY = 'journal-token';
export const TOKEN_FRAGMENT = 'token';
