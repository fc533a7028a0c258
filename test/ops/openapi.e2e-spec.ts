import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { ApiProcess } from '../support/api.js';
import { bearer, newToken, tokenAuth } from '../support/auth.js';
import { launchChromium } from '../support/browser.js';
import { call, rawCall, twiceWhileReplicaHung, type Reply } from '../support/http.js';
import { waitFor } from '../support/ports.js';
import { useJournal } from '../support/journal.js';
import type { RedisPair } from '../support/redis.js';
import { storedEntries } from '../support/stored-entries.js';

// The OpenAPI document checked against the running API: every scenario below drives the real API
// (real Redis pair) into one documented answer and checks status, content type, body schema and
// headers against /api/openapi.json; at the end, the statuses the scenarios met must be exactly
// the documented ones, so a status that is undocumented, or documented but impossible, fails.

interface Header {
  required?: boolean;
  schema: object;
}
interface Response {
  headers?: Record<string, Header | { $ref: string }>;
  content?: Record<string, { schema: object }>;
}
interface OpenApi {
  paths: Record<string, Record<string, { responses: Record<string, Response> }>>;
  components: { schemas: Record<string, object>; headers: Record<string, Header> };
}

let redis: RedisPair;
// Both with AUTH_MODE=token, so that every status a write can answer is possible.
let api: ApiProcess;
let limitedApi: ApiProcess; // RATE_LIMIT_WRITES_PER_MINUTE=1, AUTH_FAILURES_PER_MINUTE=2
let signedInApi: ApiProcess; // READ_ACCESS=signed-in
const alice = newToken();
const bob = newToken();
const carol = newToken(); // AUTH_ADMINS: she may import
const auth = tokenAuth(
  [
    ['alice', alice],
    ['bob', bob],
    ['carol', carol],
  ],
  { AUTH_ADMINS: 'carol' },
);
let openApi: OpenApi;
let ajv: Ajv;
/** "METHOD /template STATUS" of every answer the scenarios got. */
const met = new Set<string>();

const journal = useJournal({ env: auth.env });
beforeAll(async () => {
  ({ redis, api } = journal);
  limitedApi = await journal.startApi({ ...auth.env, RATE_LIMIT_WRITES_PER_MINUTE: '1', AUTH_FAILURES_PER_MINUTE: '2' });
  signedInApi = await journal.startApi({ ...auth.env, READ_ACCESS: 'signed-in' });
  const reply = await call(api.url, 'GET', '/api/openapi.json');
  expect(reply.status).toBe(200);
  openApi = reply.body;
  // Response schemas are validated in place (JSON pointers into the document, so their $refs resolve);
  // strict mode stays on for them: only `example` (OpenAPI's) and the document's own members are unknown.
  ajv = new Ajv({ allErrors: true, keywords: ['example', ...Object.keys(openApi)] });
  addFormats.default(ajv); // a CommonJS module: its default import is the module, the plugin is .default
  ajv.addSchema(openApi, 'openapi.json');
}, 30_000);

afterAll(() => auth.volume.remove());

/** Both APIs count failed sign-ins from 127.0.0.1 in the same Redis: each test starts with none. */
async function forgetFailures(): Promise<void> {
  for (const key of (await redis.primary.command('KEYS', 'journal:rate:auth-failures:*')) as string[])
    await redis.primary.command('DEL', key);
}

const pointer = (...parts: string[]) => parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** Calls the API and checks the answer against what the document says of it. Writes go with alice's token unless `headers` say otherwise. */
/** A PATCH by alice (the author of what the specs create) with the entry's ETag. */
const editAsAlice = (id: string, etag: string, base = api.url) =>
  exercise('PATCH', `/api/entries/${id}`, { text: 'x' }, { ...bearer(alice), 'if-match': etag }, base);

async function exercise(method: string, path: string, body?: unknown, headers?: Record<string, string>, base = api.url): Promise<Reply> {
  return documented(method, path, await call(base, method, path, body, headers ?? (method === 'GET' ? {} : bearer(alice))));
}

/** An import by carol (an admin) of `lines` (NDJSON), or of a Day One `body` as JSON. */
const importAsCarol = (body: string, type = 'application/x-ndjson', base = api.url) =>
  exercise('POST', '/api/entries/import', body, { ...bearer(carol), 'content-type': type }, base);
let importedLines = 0;
/** A line of an export with an id of its own, to import. */
const exportLine = () =>
  JSON.stringify({
    id: `01E1J6G00000000000000${String(++importedLines).padStart(5, '0')}`,
    text: 'imported',
    createdAt: '2020-02-02T10:00:00.000Z',
    updatedAt: null,
    author: 'alice',
    private: false,
  });

/** Checks an answer (however it was got) against what the document says of it. */
function documented(method: string, path: string, reply: Reply): Reply {
  const pathname = path.split('?')[0];
  // A fixed path (/api/entries/export) before a template it also matches (/api/entries/{id}).
  const template =
    (pathname! in openApi.paths ? pathname : undefined) ??
    Object.keys(openApi.paths).find((t) => new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(pathname!));
  const key = `${method} ${template ?? pathname} ${reply.status}`;
  met.add(key);
  const documented = template && openApi.paths[template][method.toLowerCase()]?.responses[reply.status];
  if (!documented) throw new Error(`${key} is not documented: ${reply.text}`);

  const type = reply.headers.get('content-type')?.split(';')[0];
  if (documented.content) {
    if (!documented.content[type!]) throw new Error(`${key}: content type ${type} is not documented`);
    const schemaRef = `openapi.json#/${pointer('paths', template, method.toLowerCase(), 'responses', String(reply.status), 'content', type!, 'schema')}`;
    const validate = ajv.getSchema(schemaRef)!;
    // NDJSON: the schema is each line's.
    const values =
      type === 'application/x-ndjson'
        ? reply.text
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line))
        : [reply.body];
    for (const value of values)
      if (!validate(value))
        throw new Error(`${key}: the body does not match its schema: ${ajv.errorsText(validate.errors)}\n${reply.text}`);
  } else {
    if (reply.text !== '') throw new Error(`${key}: documented without a body, got ${reply.text}`);
  }

  for (const [name, header] of Object.entries(documented.headers ?? {})) {
    const { required, schema } = '$ref' in header ? openApi.components.headers[header.$ref.split('/').at(-1)!] : header;
    const value = reply.headers.get(name);
    if (value === null) {
      if (required) throw new Error(`${key}: the documented header ${name} is missing`);
      continue;
    }
    const typed = (schema as { type?: string }).type === 'integer' ? Number(value) : value;
    if (!ajv.validate(schema, typed)) throw new Error(`${key}: header ${name}: ${value} does not match its schema`);
  }
  return reply;
}

describe('/api/entries', () => {
  beforeEach(forgetFailures);

  it('creates: 201 with Location; bad bodies 400, 413, 415', async () => {
    const created = await exercise('POST', '/api/entries', { text: 'Dear diary 😀' });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/entries/${created.body.id}`);
    expect((await exercise('POST', '/api/entries', '{"text": ')).status).toBe(400);
    expect((await exercise('POST', '/api/entries', { text: 'hi', id: '1' })).status).toBe(400);
    expect((await exercise('POST', '/api/entries', { text: ' ' })).status).toBe(400);
    expect((await exercise('POST', '/api/entries', { text: 'a'.repeat(70_000) })).status).toBe(413);
    expect((await exercise('POST', '/api/entries', 'hello', { 'content-type': 'text/plain', ...bearer(alice) })).status).toBe(415);
  });

  it("writes need a token: 401 without one or with an unknown one, 400 for a malformed header, 403 for another writer's entry", async () => {
    const { body } = await exercise('POST', '/api/entries', { text: 'alice wrote this' });
    expect(body.author).toBe('alice');
    for (const headers of [{}, bearer(newToken())]) {
      expect((await exercise('POST', '/api/entries', { text: 'who?' }, headers)).status).toBe(401);
      expect((await exercise('DELETE', `/api/entries/${body.id}`, undefined, headers)).status).toBe(401);
    }
    expect((await exercise('POST', '/api/entries', { text: 'who?' }, { authorization: 'Bearer' })).status).toBe(400);
    expect((await exercise('DELETE', `/api/entries/${body.id}`, undefined, bearer(bob))).status).toBe(403);
    expect((await exercise('DELETE', `/api/entries/${body.id}`)).status).toBe(204);
  });

  it('lists: 200 (also past the end), bad page 400', async () => {
    expect((await exercise('GET', '/api/entries')).body.entries.length).toBeGreaterThan(0);
    expect((await exercise('GET', '/api/entries?page=99999')).body.entries).toEqual([]);
    expect((await exercise('GET', '/api/entries?page=0')).status).toBe(400);
    expect((await exercise('GET', '/api/entries?page=1&page=2')).status).toBe(400);
  });

  it('reads: 200 for anyone (public) or with a token (signed-in); 401 without one (signed-in) or with an unknown one; 400 for a malformed header; 429 past the failures', async () => {
    const { body } = await exercise('POST', '/api/entries', { text: 'to read' });
    for (const path of ['/api/entries', `/api/entries/${body.id}`, '/api/entries/export']) {
      expect((await exercise('GET', path, undefined, bearer(alice), signedInApi.url)).status).toBe(200);
      expect((await exercise('GET', path, undefined, {}, signedInApi.url)).status).toBe(401);
      expect((await exercise('GET', path, undefined, bearer(newToken()))).status).toBe(401);
      expect((await exercise('GET', path, undefined, { authorization: 'Bearer' })).status).toBe(400);
    }
    await forgetFailures();
    for (const path of ['/api/entries', `/api/entries/${body.id}`, '/api/entries/export']) {
      for (let i = 0; i < 2; i++) await exercise('GET', path, undefined, bearer(newToken()), limitedApi.url);
      expect((await exercise('GET', path, undefined, bearer(newToken()), limitedApi.url)).status).toBe(429);
      await forgetFailures();
    }
  });

  it('gets and deletes by id: 200, 204, then 404', async () => {
    const { body } = await exercise('POST', '/api/entries', { text: 'to delete' });
    expect((await exercise('GET', `/api/entries/${body.id}`)).body).toEqual(body);
    expect((await exercise('DELETE', `/api/entries/${body.id}`)).status).toBe(204);
    expect((await exercise('GET', `/api/entries/${body.id}`)).status).toBe(404);
    expect((await exercise('DELETE', `/api/entries/${body.id}`)).status).toBe(404);
    expect((await exercise('GET', '/api/entries/abc')).status).toBe(404);
  });

  it('reads with a token: an unknown one 401 for the list and the entry, a malformed header 400', async () => {
    const { body } = await exercise('POST', '/api/entries', { text: 'read with a token' });
    expect((await exercise('GET', '/api/entries', undefined, bearer(alice))).status).toBe(200);
    expect((await exercise('GET', '/api/entries', undefined, bearer(newToken()))).status).toBe(401);
    expect((await exercise('GET', `/api/entries/${body.id}`, undefined, bearer(newToken()))).status).toBe(401);
    expect((await exercise('GET', `/api/entries/${body.id}`, undefined, { authorization: 'Bearer' })).status).toBe(400);
  });

  it('edits: 200 with an ETag; 428 without If-Match, 412 with an old one, 403, 401, 404, 400, 413, 415', async () => {
    const { body } = await exercise('POST', '/api/entries', { text: 'to edit' });
    const path = `/api/entries/${body.id}`;
    const etag = (await exercise('GET', path)).headers.get('etag')!;
    const withTag = (headers: Record<string, string> = bearer(alice)) => ({ ...headers, 'if-match': etag });
    expect((await exercise('PATCH', path, { text: 'edited' })).status).toBe(428);
    expect((await exercise('PATCH', path, { text: 'edited' }, withTag(bearer(bob)))).status).toBe(403);
    expect((await exercise('PATCH', path, { text: 'edited' }, withTag({}))).status).toBe(401);
    expect((await exercise('PATCH', path, { nope: 1 }, withTag())).status).toBe(400);
    expect((await exercise('PATCH', path, { text: 'a'.repeat(70_000) }, withTag())).status).toBe(413);
    expect((await exercise('PATCH', path, 'text', { 'content-type': 'text/plain', ...withTag() })).status).toBe(415);
    expect((await exercise('PATCH', path, { text: 'edited', private: true }, withTag())).status).toBe(200);
    expect((await exercise('PATCH', path, { text: 'again' }, withTag())).status).toBe(412);
    expect((await exercise('PATCH', '/api/entries/abc', { text: 'x' }, withTag())).status).toBe(404);
  });

  it.each(['GET', 'DELETE'])('answers %s of a path that is not valid percent-encoding with 400', async (method) => {
    expect((await exercise(method, '/api/entries/%zz')).status).toBe(400);
  });

  it('answers 500 when a stored entry is unreadable, for the list and the entry', async () => {
    const id = '9000000000000'; // stored as the newest: on page 1
    await storedEntries.put(redis.primary, id, 'not JSON');
    await redis.waitForSync();
    try {
      expect((await exercise('GET', `/api/entries/${id}`)).status).toBe(500);
      expect((await exercise('GET', '/api/entries')).status).toBe(500);
    } finally {
      await storedEntries.remove(redis.primary, id);
      await redis.waitForSync();
    }
  });

  it('with an Idempotency-Key: replay 201, 422 for another text, 400 for a bad key, 409 while the first is in flight', async () => {
    const key = `openapi-${Date.now()}`;
    const first = await exercise('POST', '/api/entries', { text: 'keyed' }, { ...bearer(alice), 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect((await exercise('POST', '/api/entries', { text: 'keyed' }, { ...bearer(alice), 'idempotency-key': key })).body).toEqual(
      first.body,
    );
    expect((await exercise('POST', '/api/entries', { text: 'not the same' }, { ...bearer(alice), 'idempotency-key': key })).status).toBe(
      422,
    );
    expect((await exercise('POST', '/api/entries', { text: 'keyed' }, { ...bearer(alice), 'idempotency-key': 'with space' })).status).toBe(
      400,
    );
    const toEdit = await exercise('POST', '/api/entries', { text: 'edited while the replica hangs' });
    // A hung replica holds the first request in its WAIT; the same key meanwhile is in flight.
    const inFlight = `openapi-in-flight-${Date.now()}`;
    try {
      const [second, waiting] = await twiceWhileReplicaHung(redis.replica, () =>
        exercise('POST', '/api/entries', { text: 'slow' }, { ...bearer(alice), 'idempotency-key': inFlight }),
      );
      expect([second.status, waiting.status]).toEqual([409, 503]);
      expect((await exercise('DELETE', `/api/entries/${first.body.id}`)).status).toBe(503);
      expect((await editAsAlice(toEdit.body.id, toEdit.headers.get('etag')!)).status).toBe(503);
    } finally {
      redis.replica.resume();
    }
  });

  it('answers 507 to a create and an edit when storage is full', async () => {
    const { id } = (await exercise('POST', '/api/entries', { text: 'to edit when full' })).body;
    const etag = (await exercise('GET', `/api/entries/${id}`)).headers.get('etag')!;
    await redis.primary.command('CONFIG', 'SET', 'maxmemory', '1'); // below what it uses: full
    try {
      expect((await exercise('POST', '/api/entries', { text: 'no room' })).status).toBe(507);
      expect(
        (await exercise('PATCH', `/api/entries/${id}`, { text: 'no room either' }, { ...bearer(alice), 'if-match': etag })).status,
      ).toBe(507);
      expect((await importAsCarol(exportLine())).status).toBe(507);
    } finally {
      await redis.primary.command('CONFIG', 'SET', 'maxmemory', '0');
    }
  });

  it('imports: 200 with the summary; 400, 401, 403, 413, 415', async () => {
    const imported = await importAsCarol(`${exportLine()}\nnot json\n`);
    expect(imported.body).toMatchObject({ imported: 1, failedTotal: 1 });
    expect((await importAsCarol('[1, 2]', 'application/json')).status).toBe(400);
    for (const [headers, status] of [
      [{}, 401],
      [bearer(newToken()), 401],
      [bearer(alice), 403],
    ] as const) {
      expect(
        (await exercise('POST', '/api/entries/import', exportLine(), { ...headers, 'content-type': 'application/x-ndjson' })).status,
      ).toBe(status);
    }
    expect((await importAsCarol(exportLine(), 'text/plain')).status).toBe(415);
    const tooLarge = await rawCall(
      api.url,
      `POST /api/entries/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${carol}\r\nContent-Type: application/x-ndjson\r\n` +
        `Content-Length: ${100 * 1024 * 1024 + 1}\r\n\r\n${exportLine()}\n`,
    );
    expect(documented('POST', '/api/entries/import', tooLarge).status).toBe(413);
  });

  it('imports: 408 when the body is not read whole 25 s into the request', async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent > 0) await new Promise((resolve) => setTimeout(resolve, 2000));
        if (sent++ === 20) return controller.close();
        controller.enqueue(Buffer.from(`${exportLine()}\n`));
      },
    });
    const reply = await exercise('POST', '/api/entries/import', body, { ...bearer(carol), 'content-type': 'application/x-ndjson' });
    expect(reply.status).toBe(408);
  }, 60_000);

  it('limits writes when RATE_LIMIT_WRITES_PER_MINUTE is set: 429 with Retry-After for creates and deletes', async () => {
    const first = await exercise('POST', '/api/entries', { text: 'the one write this minute' }, undefined, limitedApi.url);
    expect(first.status).toBe(201);
    expect((await exercise('POST', '/api/entries', { text: 'one too many' }, undefined, limitedApi.url)).status).toBe(429);
    expect((await exercise('DELETE', `/api/entries/${first.body.id}`, undefined, undefined, limitedApi.url)).status).toBe(429);
    expect((await editAsAlice(first.body.id, first.headers.get('etag')!, limitedApi.url)).status).toBe(429);
    expect((await importAsCarol(exportLine(), undefined, limitedApi.url)).status).toBe(200);
    expect((await importAsCarol(exportLine(), undefined, limitedApi.url)).status).toBe(429);
  });
});

describe('/api/auth/me', () => {
  beforeEach(forgetFailures);

  it('answers the mode and the writer (200), a malformed header 400, an unknown token 401, too many failures 429', async () => {
    expect((await exercise('GET', '/api/auth/me')).body).toEqual({ mode: 'token', read: 'public' });
    expect((await exercise('GET', '/api/auth/me', undefined, bearer(alice))).body).toEqual({
      mode: 'token',
      read: 'public',
      name: 'alice',
      admin: false,
    });
    expect((await exercise('GET', '/api/auth/me', undefined, undefined, signedInApi.url)).body).toEqual({
      mode: 'token',
      read: 'signed-in',
    });
    expect((await exercise('GET', '/api/auth/me', undefined, { authorization: 'Bearer' }, limitedApi.url)).status).toBe(400);
    expect((await exercise('GET', '/api/auth/me', undefined, bearer(newToken()), limitedApi.url)).status).toBe(401);
    expect((await exercise('GET', '/api/auth/me', undefined, bearer(newToken()), limitedApi.url)).status).toBe(429);
    expect((await exercise('GET', '/api/auth/me', undefined, bearer(alice), limitedApi.url)).status).toBe(200);
  });
});

describe('every operation', () => {
  beforeEach(forgetFailures);

  it('answers 400 to a token in the URL, before its handler (and its own checks) run', async () => {
    for (const [path, operations] of Object.entries(openApi.paths)) {
      for (const method of Object.keys(operations)) {
        const reply = await exercise(method.toUpperCase(), `${path.replace('{id}', '1')}?access_token=${alice}`, undefined, {});
        expect([method, path, reply.status]).toEqual([method, path, 400]);
      }
    }
  });
});

describe('/healthz', () => {
  it('live, ready and the report answer 200 while Redis is up', async () => {
    for (const path of ['/healthz/live', '/healthz/ready', '/healthz']) expect((await exercise('GET', path)).status).toBe(200);
  });
});

describe('the docs page', () => {
  it('has a CSP of its own that allows scripts from this origin only; JSON keeps the strict one', async () => {
    const page = await call(api.url, 'GET', '/api/docs');
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(/(^|;)\s*script-src 'self'(;|$)/);
    expect(csp).toMatch(/(^|;)\s*default-src 'none'(;|$)/);
    expect(csp).toMatch(/(^|;)\s*frame-ancestors 'none'(;|$)/);
    for (const path of ['/api/openapi.json', '/api/entries']) {
      expect((await call(api.url, 'GET', path)).headers.get('content-security-policy')).toBe(
        "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
      );
    }
  });

  it('shows every documented operation in Chromium, runs "Try it out", and breaks no CSP rule', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' || /Content Security Policy|Refused to/.test(message.text())) problems.push(message.text());
      });
      page.on('response', (response) => {
        if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
      });
      await page.goto(`${api.url}/api/docs`);
      await page.locator('.opblock').first().waitFor();
      const shown = await page
        .locator('.opblock-summary')
        .evaluateAll((blocks) =>
          blocks.map(
            (block) =>
              `${block.querySelector('.opblock-summary-method')!.textContent} ${block.querySelector('.opblock-summary-path')!.textContent!.replace(/\u200b/g, '')}`,
          ),
        );
      const documented = Object.entries(openApi.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(shown.sort()).toEqual(documented.sort());

      // "Try it out" calls the API from the page: connect-src must allow it.
      const list = page.locator('#operations-entries-list');
      await list.locator('.opblock-summary').click();
      await list.getByRole('button', { name: 'Try it out' }).click();
      await list.getByRole('button', { name: 'Execute' }).click();
      await expect(list.locator('.live-responses-table .response .response-col_status').textContent()).resolves.toBe('200');
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('with Redis down', () => {
  it('the report is 503 when the reader is down, readiness still 200', async () => {
    await redis.replica.stop();
    await waitFor('the report to see the reader down', async () => ((await fetch(`${api.url}/healthz`)).status === 503 ? true : undefined));
    expect((await exercise('GET', '/healthz')).body.checks.reader.status).toBe('down');
    expect((await exercise('GET', '/healthz/ready')).status).toBe(200);
  });

  it('every journal operation and readiness are 503, with Retry-After on the journal ones', async () => {
    await redis.primary.stop();
    await waitFor('readiness to fail', async () => ((await fetch(`${api.url}/healthz/ready`)).status === 503 ? true : undefined));
    expect((await exercise('GET', '/healthz/ready')).status).toBe(503);
    expect((await exercise('GET', '/healthz/live')).status).toBe(200);
    expect((await exercise('POST', '/api/entries', { text: 'lost?' })).status).toBe(503);
    expect((await exercise('GET', '/api/entries')).status).toBe(503);
    expect((await exercise('GET', '/api/entries/1')).status).toBe(503);
    expect((await exercise('GET', '/api/entries/export')).status).toBe(503);
    expect((await importAsCarol(exportLine())).status).toBe(503);
    expect((await exercise('DELETE', '/api/entries/1')).status).toBe(503);
    expect((await exercise('PATCH', '/api/entries/1', { text: 'x' }, { ...bearer(alice), 'if-match': `"${'0'.repeat(40)}"` })).status).toBe(
      503,
    );
    // Failed sign-ins cannot be counted: an unknown token is refused, a valid one still passes.
    expect((await exercise('GET', '/api/auth/me', undefined, bearer(newToken()))).status).toBe(503);
    expect((await exercise('GET', '/api/auth/me', undefined, bearer(alice))).status).toBe(200);
  });
});

describe('the document', () => {
  it('lists exactly the statuses the scenarios above met, for every operation', () => {
    const documented = Object.entries(openApi.paths).flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, { responses }]) =>
        Object.keys(responses).map((status) => `${method.toUpperCase()} ${path} ${status}`),
      ),
    );
    expect([...met].sort()).toEqual(documented.sort());
  });

  it('puts the bearer scheme on the writes (optional on /api/auth/me and the reads), and `author` in the Entry', () => {
    const document = openApi as unknown as {
      paths: Record<string, Record<string, { security?: unknown }>>;
      components: { securitySchemes?: unknown; schemas: { Entry: { properties: Record<string, unknown> } } };
    };
    expect(document.components.securitySchemes).toEqual({ bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }) });
    expect(document.paths['/api/entries']!.post!.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/api/entries/{id}']!.delete!.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/api/auth/me']!.get!.security).toEqual(expect.arrayContaining([{ bearer: [] }, {}]));
    expect(document.paths['/api/entries/{id}']!.patch!.security).toEqual([{ bearer: [] }]);
    for (const path of ['/api/entries', '/api/entries/{id}'])
      expect(document.paths[path]!.get!.security).toEqual(expect.arrayContaining([{ bearer: [] }, {}]));
    expect(document.components.schemas.Entry.properties.author).toMatchObject({ type: 'string' });
  });

  it('names its schemas', () => {
    expect(Object.keys(openApi.components.schemas).sort()).toEqual([
      'AuthStatus',
      'DayOneExport',
      'Entry',
      'EntryPage',
      'EntryPatch',
      'ExportedEntry',
      'HealthProblem',
      'HealthReport',
      'ImportStopped',
      'ImportSummary',
      'NewEntry',
      'Problem',
    ]);
  });
});
