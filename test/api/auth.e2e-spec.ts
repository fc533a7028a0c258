// Who may write (AUTH_MODE=token): every case of the contract against the real API on a real Redis
// pair, with the tokens file mounted the way Kubernetes mounts a Secret (test/support/auth.ts).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiProcess, redisEnv } from '../support/api.js';
import { bearer, newToken, SecretVolume, tokenAuth, tokenLine, tokensFile } from '../support/auth.js';
import { call, expectProblem, type Reply } from '../support/http.js';
import { useJournal } from '../support/journal.js';
import { freePort } from '../support/ports.js';
import type { RedisPair } from '../support/redis.js';
import { storedEntries } from '../support/stored-entries.js';

const FAILURES = 6;
const alice = newToken();
const aliceNew = newToken(); // alice's second token (a rotation in progress)
const bob = newToken();
const carol = newToken(); // an admin
const everyToken = [alice, aliceNew, bob, carol];

const { env: authEnv, volume } = tokenAuth(
  [
    ['alice', alice],
    ['alice', aliceNew],
    ['bob', bob],
    ['carol', carol],
  ],
  {
    AUTH_ADMINS: 'carol,nobody',
    AUTH_FAILURES_PER_MINUTE: String(FAILURES),
  },
);
const journal = useJournal({ env: authEnv });
let redis: RedisPair;
let api: ApiProcess;
/** A second pod of the same Deployment: same Redis, same tokens. */
let podB: ApiProcess;

beforeAll(async () => {
  ({ redis, api } = journal);
  podB = await journal.startApi(authEnv);
});

afterAll(() => volume.remove());

/** Every test starts with no failed sign-in counted (all requests come from 127.0.0.1). */
beforeEach(async () => {
  for (const key of (await redis.primary.command('KEYS', 'journal:rate:*')) as string[]) await redis.primary.command('DEL', key);
});

const post = (text: string, headers: Record<string, string> = {}, base = api) => call(base.url, 'POST', '/api/entries', { text }, headers);
const remove = (id: string, headers: Record<string, string> = {}) => call(api.url, 'DELETE', `/api/entries/${id}`, undefined, headers);
const total = async (): Promise<number> => (await call(api.url, 'GET', '/api/entries')).body.total;
const stored = (): Promise<number> => storedEntries.count(redis.primary);

function expectChallenge(reply: Reply, status: number, challenge: string): void {
  expectProblem(reply, status);
  expect(reply.headers.get('www-authenticate')).toBe(challenge);
}
const NO_CREDENTIALS = 'Bearer realm="journal"';
const INVALID_TOKEN = 'Bearer realm="journal", error="invalid_token"';
const INVALID_REQUEST = 'Bearer realm="journal", error="invalid_request"';

/** Runs refused writes and checks that none stored anything, not even an entry hidden from the list. */
async function refusedWrites(writes: () => Promise<void>): Promise<void> {
  const [before, storedBefore] = [await total(), await stored()];
  await writes();
  expect([await total(), await stored()]).toEqual([before, storedBefore]);
}

describe('writes without valid credentials', () => {
  it('no Authorization header: 401 with the bare challenge, for creates and deletes', async () => {
    const entry = (await post('to stay', bearer(alice))).body;
    await refusedWrites(async () => {
      expectChallenge(await post('anonymous'), 401, NO_CREDENTIALS);
      expectChallenge(await remove(entry.id), 401, NO_CREDENTIALS);
    });
    expect((await call(api.url, 'GET', `/api/entries/${entry.id}`)).status).toBe(200);
  });

  it('another scheme (Basic), or a header a proxy would set: 401 with the bare challenge', async () => {
    await refusedWrites(async () => {
      expectChallenge(
        await post('basic', { authorization: `Basic ${Buffer.from(`alice:${alice}`).toString('base64')}` }),
        401,
        NO_CREDENTIALS,
      );
      expectChallenge(await post('spoofed', { 'x-auth-request-user': 'carol', 'x-forwarded-user': 'carol' }), 401, NO_CREDENTIALS);
    });
  });

  it('an unknown token: 401 with error="invalid_token"', async () => {
    await refusedWrites(async () => {
      expectChallenge(await post('guess', bearer(newToken())), 401, INVALID_TOKEN);
      expectChallenge(await remove('1', bearer(newToken())), 401, INVALID_TOKEN);
    });
  });

  it.each([
    ['no token', 'Bearer'],
    ['two tokens', `Bearer ${alice} ${bob}`],
    ['a character no token has', `Bearer ${alice.slice(1)}!`],
    ['a token longer than any token', `Bearer ${'a'.repeat(300)}`],
    ['an empty header', ''],
  ])('a malformed Bearer header (%s): 400 with error="invalid_request"', async (_, header) => {
    await refusedWrites(async () => expectChallenge(await post('malformed', { authorization: header }), 400, INVALID_REQUEST));
  });

  it('a token in the query string: never accepted (400), with or without a header, and never logged', async () => {
    await refusedWrites(async () => {
      for (const name of ['access_token', 'ACCESS_TOKEN', 'access%5Ftoken', 'token']) {
        const reply = await call(api.url, 'POST', `/api/entries?${name}=${alice}`, { text: 'query' }, { 'x-request-id': `query-${name}` });
        expectChallenge(reply, 400, INVALID_REQUEST);
        expect(reply.body.detail).toMatch(/never accepted/);
      }
      expectChallenge(
        await call(api.url, 'POST', `/api/entries?access_token=${alice}`, { text: 'both' }, bearer(alice)),
        400,
        INVALID_REQUEST,
      );
    });
    const logged = await api.waitForOutput('"reqId":"query-token"');
    expect(logged).toContain('"url":"/api/entries?[redacted]"');
    expect(logged).not.toContain(alice);
  });

  it('an oversized header: a 4xx problem, nothing stored', async () => {
    await refusedWrites(async () => {
      const reply = await post('huge', { authorization: `Bearer ${'a'.repeat(20_000)}` });
      expectProblem(reply, 431);
    });
  });
});

describe('writes with a valid token', () => {
  it('accept the scheme in any case, and both tokens of a name; the entry carries its author in every answer', async () => {
    const created: Reply[] = [];
    for (const headers of [{ authorization: `bearer ${alice}` }, { authorization: `BEARER ${alice}` }, bearer(aliceNew)]) {
      const reply = await post('by alice', headers);
      expect(reply.status).toBe(201);
      expect(reply.body).toEqual({ id: expect.any(String), text: 'by alice', createdAt: expect.any(String), author: 'alice' });
      created.push(reply);
    }
    for (const { body } of created) expect((await call(api.url, 'GET', `/api/entries/${body.id}`)).body).toEqual(body);
    const page = (await call(api.url, 'GET', '/api/entries')).body.entries;
    expect(page.slice(0, 3)).toEqual(created.map((r) => r.body).reverse());
  });

  it('reads (READ_ACCESS=public), health, metrics and the OpenAPI document stay public', async () => {
    for (const path of ['/api/entries', '/healthz', '/healthz/live', '/healthz/ready', '/api/openapi.json', '/api/docs']) {
      expect([path, (await call(api.url, 'GET', path)).status]).toEqual([path, 200]);
    }
    expect((await fetch(api.metricsUrl)).status).toBe(200);
  });
});

describe('deleting', () => {
  it('the author: 204; another writer: 403; nobody: 401; an admin: 204', async () => {
    const [mine, hers] = [(await post('alice deletes this', bearer(alice))).body, (await post('carol deletes this', bearer(alice))).body];
    expect((await remove(mine.id, bearer(aliceNew))).status).toBe(204);
    const forbidden = await remove(hers.id, bearer(bob));
    expectProblem(forbidden, 403);
    expect(forbidden.body.detail).toBe('You may not delete this entry: only its author (alice) or an admin may');
    expectChallenge(await remove(hers.id), 401, NO_CREDENTIALS);
    expect((await call(api.url, 'GET', `/api/entries/${hers.id}`)).status).toBe(200);
    expect((await remove(hers.id, bearer(carol))).status).toBe(204);
    expect((await remove(hers.id, bearer(carol))).status).toBe(404);
    expect((await remove('999999999', bearer(bob))).status).toBe(404);
  });

  it('an entry without an author (written with auth off): admins only', async () => {
    const off = await journal.startApi({ AUTH_MODE: 'off' });
    const entry = (await post('from before auth', {}, off)).body;
    expect(entry.author).toBeUndefined();
    await redis.waitForSync();
    const forbidden = await remove(entry.id, bearer(alice));
    expectProblem(forbidden, 403);
    expect(forbidden.body.detail).toBe('You may not delete this entry: it has no author, so only an admin may');
    expect((await remove(entry.id, bearer(carol))).status).toBe(204);
  });

  it('of simultaneous deletes by the author and an admin, exactly one gets 204', async () => {
    for (let round = 0; round < 5; round++) {
      const entry = (await post(`contested ${round}`, bearer(bob))).body;
      const replies = await Promise.all(Array.from({ length: 8 }, (_, i) => remove(entry.id, bearer(i % 2 ? bob : carol))));
      expect(replies.map((r) => r.status).sort()).toEqual([204, 404, 404, 404, 404, 404, 404, 404]);
    }
  });
});

describe('repeated failures from one address', () => {
  it(`get 429 with Retry-After past AUTH_FAILURES_PER_MINUTE (${FAILURES}), on every pod; valid tokens and reads go on`, async () => {
    await refusedWrites(async () => {
      for (let i = 0; i < FAILURES; i++) expect((await post('guess', bearer(newToken()), i % 2 ? api : podB)).status).toBe(401);
      for (const base of [api, podB]) {
        const reply = await post('blocked', bearer(newToken()), base);
        expectProblem(reply, 429);
        expect(reply.body.type).toBe('https://journal.example/problems/too-many-failed-sign-ins');
        const retryAfter = Number(reply.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(60);
      }
    });
    // Someone else's failures from the same address never refuse a valid token.
    expect((await post('alice writes on', bearer(alice), api)).status).toBe(201);
    expect((await post('carol writes on', bearer(carol), podB)).status).toBe(201);
    expect((await call(api.url, 'GET', '/api/entries')).status).toBe(200);
    // Requests without credentials are not sign-in failures: still the plain 401.
    expectChallenge(await post('anonymous'), 401, NO_CREDENTIALS);
  });

  it('count only failures: a writer using a valid token many times is never blocked', async () => {
    for (let i = 0; i < FAILURES + 2; i++) expect((await post(`honest ${i}`, bearer(bob))).status).toBe(201);
  });

  it('are counted by reason in a metric that shows no token', async () => {
    expectChallenge(await post('guess', bearer(newToken())), 401, INVALID_TOKEN);
    const metrics = await (await fetch(api.metricsUrl)).text();
    for (const reason of ['missing', 'invalid_request', 'invalid_token', 'blocked']) {
      expect(metrics).toMatch(new RegExp(`^journal_auth_failures_total\\{reason="${reason}"\\} [1-9]\\d*$`, 'm'));
    }
    expectNoSecret(metrics);
  });
});

describe('GET /api/auth/me', () => {
  it('says the mode, and whose a valid token is; an unknown one is a 401', async () => {
    expect((await call(api.url, 'GET', '/api/auth/me')).body).toEqual({ mode: 'token', read: 'public' });
    expect((await call(api.url, 'GET', '/api/auth/me', undefined, bearer(alice))).body).toEqual({
      mode: 'token',
      read: 'public',
      name: 'alice',
      admin: false,
    });
    expect((await call(api.url, 'GET', '/api/auth/me', undefined, bearer(carol))).body).toEqual({
      mode: 'token',
      read: 'public',
      name: 'carol',
      admin: true,
    });
    expectChallenge(await call(api.url, 'GET', '/api/auth/me', undefined, bearer(newToken())), 401, INVALID_TOKEN);
  });
});

describe('the write rate limit with tokens', () => {
  it('counts per author name, not per address', async () => {
    const limited = await journal.startApi({ ...authEnv, RATE_LIMIT_WRITES_PER_MINUTE: '2' });
    expect([(await post('1', bearer(alice), limited)).status, (await post('2', bearer(aliceNew), limited)).status]).toEqual([201, 201]);
    expectProblem(await post('3', bearer(alice), limited), 429);
    expect((await post('from the same address', bearer(bob), limited)).status).toBe(201);
    const keys = ((await redis.primary.command('KEYS', 'journal:rate:writes:*')) as string[]).sort();
    expect(keys).toEqual(['journal:rate:writes:author:alice', 'journal:rate:writes:author:bob']);
  });
});

describe('rotation, without a restart', () => {
  it('a new token works within 10 s of the Secret changing, a removed one stops working, a broken edit keeps the last good list', async () => {
    const dave = newToken();
    const pid = api.child.pid;
    volume.update({
      tokens: tokensFile([
        ['alice', aliceNew],
        ['bob', bob],
        ['carol', carol],
        ['dave', dave],
      ]),
    });
    const started = Date.now();
    // Polling with the new token would count as failed sign-ins until it works: wait for the reload's log line.
    await api.waitForOutput('reloaded: 4 tokens of 4 writers');
    expect((await post('dave writes', bearer(dave))).status).toBe(201);
    expect(Date.now() - started).toBeLessThan(10_000);
    // The same reload removed alice's old token; her new one goes on working.
    expectChallenge(await post('old token', bearer(alice)), 401, INVALID_TOKEN);
    expect((await post('new token', bearer(aliceNew))).status).toBe(201);

    const erin = newToken();
    volume.update({ tokens: `${tokenLine('erin', erin)}\nbob sha256:nothex\n` });
    const logged = await api.waitForOutput('keeping the last good list of tokens');
    expect(logged).toContain(
      JSON.stringify(`${volume.path('tokens')} line 2 is not "<name> sha256:<64 hex digits>": keeping the last good list of tokens`),
    );
    expect((await post('still dave', bearer(dave))).status).toBe(201);
    expectChallenge(await post('not yet erin', bearer(erin)), 401, INVALID_TOKEN);
    expect(api.child.pid).toBe(pid);
    expect(api.child.exitCode).toBeNull();
    everyToken.push(dave, erin);
  }, 30_000);
});

function expectNoSecret(text: string): void {
  for (const token of everyToken) {
    expect(text).not.toContain(token);
    expect(text).not.toContain(createHash('sha256').update(token).digest('hex'));
  }
}

describe('the logs', () => {
  it('never show a token or a digest', async () => {
    await new Promise((r) => setTimeout(r, 300)); // the logger's batch
    expectNoSecret(api.output);
    expectNoSecret(podB.output);
  });
});

describe('starting', () => {
  const start = async (env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> => {
    const process = await ApiProcess.spawn({ ...redisEnv(redis), PORT: String(await freePort()), ...env });
    const code = await process.exited;
    return { code, output: process.output.trim() };
  };

  it('refuses a malformed tokens file with one line naming the file and the line', async () => {
    const broken = new SecretVolume({ tokens: `# ok\n${tokenLine('alice', alice)}\n\nbad name sha256:${'0'.repeat(64)}\n` });
    try {
      expect(await start({ AUTH_MODE: 'token', AUTH_TOKENS_FILE: broken.path('tokens') })).toEqual({
        code: 1,
        output: `Invalid configuration: AUTH_TOKENS_FILE: ${broken.path('tokens')} line 4 is not "<name> sha256:<64 hex digits>"`,
      });
    } finally {
      broken.remove();
    }
  });

  it('refuses a missing tokens file, naming it', async () => {
    const missing = join(volume.dir, 'no-such-file');
    expect(await start({ AUTH_MODE: 'token', AUTH_TOKENS_FILE: missing })).toEqual({
      code: 1,
      output: `Invalid configuration: AUTH_TOKENS_FILE: ${missing} does not exist`,
    });
  });

  it('refuses a name outside the allowed characters, or one digest under two names', async () => {
    const file = join(volume.dir, 'dup');
    writeFileSync(file, `${tokenLine('alice', alice)}\n${tokenLine('bob', alice)}\n`);
    expect((await start({ AUTH_MODE: 'token', AUTH_TOKENS_FILE: file })).output).toBe(
      `Invalid configuration: AUTH_TOKENS_FILE: ${file} line 2 has the same digest as line 1`,
    );
    writeFileSync(file, `al/ice sha256:${'a'.repeat(64)}\n`);
    expect((await start({ AUTH_MODE: 'token', AUTH_TOKENS_FILE: file })).output).toBe(
      `Invalid configuration: AUTH_TOKENS_FILE: ${file} line 1: the name must be 1-64 letters, digits or . _ @ -`,
    );
  });

  it('refuses to start in production without AUTH_MODE, naming it', async () => {
    expect(await start({ NODE_ENV: 'production', AUTH_MODE: undefined })).toEqual({
      code: 1,
      output: 'Invalid configuration: AUTH_MODE: must be set (token, or off to let anyone write) when NODE_ENV=production',
    });
  });

  it('without AUTH_MODE elsewhere: off, with one warning at start', async () => {
    const unset = await ApiProcess.start({ ...redisEnv(redis), AUTH_MODE: undefined });
    try {
      expect((await post('anyone', {}, unset)).status).toBe(201);
      const output = await unset.waitForOutput('AUTH_MODE is not set');
      expect(output.match(/AUTH_MODE is not set/g)).toHaveLength(1);
    } finally {
      await unset.stop();
    }
  });
});
