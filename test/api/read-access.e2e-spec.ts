// Who may read (READ_ACCESS) against the real API on a real Redis pair: two APIs on the same
// journal, one with READ_ACCESS=public (the default) and one with READ_ACCESS=signed-in, each rule
// tried by anonymous, a writer and an admin.
import { beforeAll, beforeEach, describe, expect, it, afterAll } from '@jest/globals';
import { ApiProcess, redisEnv } from '../support/api.js';
import { bearer, newToken, tokenAuth } from '../support/auth.js';
import { call, expectProblem, type Reply } from '../support/http.js';
import { useJournal } from '../support/journal.js';
import { freePort } from '../support/ports.js';

const alice = newToken();
const carol = newToken(); // an admin
const { env: authEnv, volume } = tokenAuth(
  [
    ['alice', alice],
    ['carol', carol],
  ],
  { AUTH_ADMINS: 'carol' },
);
const journal = useJournal({ env: authEnv });
let publicApi: ApiProcess;
let signedInApi: ApiProcess;
let entry: { id: string; text: string; author: string };

const CHALLENGE = 'Bearer realm="journal"';
const readers = { anonymous: {}, 'a writer': bearer(alice), 'an admin': bearer(carol) };

beforeAll(async () => {
  publicApi = journal.api;
  signedInApi = await journal.startApi({ ...authEnv, READ_ACCESS: 'signed-in' });
  entry = (await call(publicApi.url, 'POST', '/api/entries', { text: 'read me' }, bearer(alice))).body;
  await journal.redis.waitForSync();
});

afterAll(() => volume.remove());

beforeEach(async () => {
  for (const key of (await journal.redis.primary.command('KEYS', 'journal:rate:*')) as string[])
    await journal.redis.primary.command('DEL', key);
});

const reads = () => ['/api/entries', `/api/entries/${entry.id}`];

function expectChallenge(reply: Reply, challenge: string): void {
  expectProblem(reply, 401);
  expect(reply.headers.get('www-authenticate')).toBe(challenge);
}

/** Either setting: an unknown token is a 401 invalid_token, a malformed header or a token in the URL a 400. */
async function expectBadCredentialsRefused(api: ApiProcess): Promise<void> {
  for (const path of reads()) {
    expectChallenge(await call(api.url, 'GET', path, undefined, bearer(newToken())), `${CHALLENGE}, error="invalid_token"`);
    expectProblem(await call(api.url, 'GET', path, undefined, { authorization: 'Bearer' }), 400);
    expectProblem(await call(api.url, 'GET', `${path}?access_token=${alice}`), 400);
  }
}

describe('READ_ACCESS=public (the default)', () => {
  it.each(Object.entries(readers))('%s reads the list and an entry', async (_, headers) => {
    for (const path of reads()) expect([path, (await call(publicApi.url, 'GET', path, undefined, headers)).status]).toEqual([path, 200]);
  });

  it('refuses an unknown token on a read (401 invalid_token), a malformed header (400) and a token in the URL (400)', () =>
    expectBadCredentialsRefused(publicApi));

  it('says so in /api/auth/me', async () => {
    expect((await call(publicApi.url, 'GET', '/api/auth/me')).body).toEqual({ mode: 'token', read: 'public' });
  });
});

describe('READ_ACCESS=signed-in', () => {
  it('refuses anonymous reads: 401 problem+json with the bare challenge, saying that reading needs a token', async () => {
    for (const path of reads()) {
      const reply = await call(signedInApi.url, 'GET', path);
      expectChallenge(reply, CHALLENGE);
      expect(reply.body.detail).toBe('Reading entries needs a token: Authorization: Bearer <token>');
      expect(reply.text).not.toContain('read me');
    }
    // Not even whether an id exists leaks: an unknown id is the same 401.
    expectChallenge(await call(signedInApi.url, 'GET', '/api/entries/999999999'), CHALLENGE);
  });

  it.each(Object.entries(readers).filter(([who]) => who !== 'anonymous'))('lets %s read the list and an entry', async (_, headers) => {
    const list = await call(signedInApi.url, 'GET', '/api/entries', undefined, headers);
    expect(list.status).toBe(200);
    expect(list.body.entries).toContainEqual(entry);
    expect((await call(signedInApi.url, 'GET', `/api/entries/${entry.id}`, undefined, headers)).body).toEqual(entry);
  });

  it('refuses an unknown token (401 invalid_token), a malformed header (400), a token in the URL (400)', () =>
    expectBadCredentialsRefused(signedInApi));

  it('keeps health, the OpenAPI document and /api/auth/me public; /api/auth/me says reads need a token', async () => {
    for (const path of ['/healthz', '/healthz/live', '/healthz/ready', '/api/openapi.json', '/api/docs', '/api/auth/me'])
      expect([path, (await call(signedInApi.url, 'GET', path)).status]).toEqual([path, 200]);
    expect((await call(signedInApi.url, 'GET', '/api/auth/me')).body).toEqual({ mode: 'token', read: 'signed-in' });
    const me = await call(signedInApi.url, 'GET', '/api/auth/me', undefined, bearer(carol));
    expect(me.body).toEqual({ mode: 'token', read: 'signed-in', name: 'carol', admin: true });
  });

  it('changes nothing for writes: anonymous 401, a writer 201', async () => {
    expectChallenge(await call(signedInApi.url, 'POST', '/api/entries', { text: 'anonymous' }), CHALLENGE);
    expect((await call(signedInApi.url, 'POST', '/api/entries', { text: 'by alice' }, bearer(alice))).status).toBe(201);
  });

  it('counts failed tokens on reads: past AUTH_FAILURES_PER_MINUTE (20) an unknown one gets 429, a valid one still reads', async () => {
    for (let i = 0; i < 20; i++)
      expect((await call(signedInApi.url, 'GET', '/api/entries', undefined, bearer(newToken()))).status).toBe(401);
    const blocked = await call(signedInApi.url, 'GET', `/api/entries/${entry.id}`, undefined, bearer(newToken()));
    expectProblem(blocked, 429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    for (const path of reads())
      expect([path, (await call(signedInApi.url, 'GET', path, undefined, bearer(alice))).status]).toEqual([path, 200]);
    // Reading without a token is not a failed sign-in: still the plain 401.
    expectChallenge(await call(signedInApi.url, 'GET', '/api/entries'), CHALLENGE);
  });

  it('refuses to start with AUTH_MODE=off (or unset), in one line naming READ_ACCESS', async () => {
    for (const mode of ['off', undefined]) {
      const api = await ApiProcess.spawn({
        ...redisEnv(journal.redis),
        PORT: String(await freePort()),
        AUTH_MODE: mode,
        READ_ACCESS: 'signed-in',
      });
      expect(await api.exited).toBe(1);
      expect(api.output.trim()).toBe(
        'Invalid configuration: READ_ACCESS: signed-in needs AUTH_MODE=token (without tokens nobody could sign in to read)',
      );
    }
  });

  it('refuses a value it does not know, naming READ_ACCESS', async () => {
    const api = await ApiProcess.spawn({ ...redisEnv(journal.redis), PORT: String(await freePort()), ...authEnv, READ_ACCESS: 'private' });
    expect(await api.exited).toBe(1);
    expect(api.output.trim()).toBe('Invalid configuration: READ_ACCESS: must be one of public, signed-in, got "private"');
  });
});

// Last: it pauses the primary, where failed sign-ins are counted; the replica still serves reads.
describe('when failed sign-ins cannot be counted', () => {
  it('a valid token still reads, an unknown one gets 503 (never an uncounted 401), anonymous the plain 401', async () => {
    journal.redis.primary.pause();
    try {
      for (const path of reads()) {
        expect([path, (await call(signedInApi.url, 'GET', path, undefined, bearer(alice))).status]).toEqual([path, 200]);
        const unknown = await call(signedInApi.url, 'GET', path, undefined, bearer(newToken()));
        expectProblem(unknown, 503);
        expect(unknown.headers.get('retry-after')).toBe('1');
        expectChallenge(await call(signedInApi.url, 'GET', path), CHALLENGE);
      }
    } finally {
      journal.redis.primary.resume();
    }
  });
});
