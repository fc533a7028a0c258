// Clients that try to lock others out, forge their address, put credentials where they are logged,
// or confuse the parser: the real API (AUTH_MODE=token) on a real Redis pair.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { ApiProcess, redisEnv } from '../support/api.js';
import { bearer, newToken, tokenAuth } from '../support/auth.js';
import { call, expectProblem, rawCall } from '../support/http.js';
import { useJournal } from '../support/journal.js';
import { freePort } from '../support/ports.js';
import type { RedisPair } from '../support/redis.js';

const FAILURES = 5;
const alice = newToken();
const { env: authEnv, volume } = tokenAuth([['alice', alice]], { AUTH_FAILURES_PER_MINUTE: String(FAILURES) });
const journal = useJournal({ env: authEnv });
let redis: RedisPair;
let api: ApiProcess;
/** AUTH_FAILURES_PER_MINUTE left at its default (20), two pods. */
let podA: ApiProcess;
let podB: ApiProcess;
/** Behind a proxy on 127.0.0.1 (as bin/up runs it behind NGINX). */
let proxied: ApiProcess;

beforeAll(async () => {
  ({ redis, api } = journal);
  const defaults = { ...authEnv, AUTH_FAILURES_PER_MINUTE: undefined } as unknown as Record<string, string>;
  [podA, podB, proxied] = await Promise.all([
    journal.startApi(defaults),
    journal.startApi(defaults),
    journal.startApi({ ...authEnv, TRUST_PROXY: '127.0.0.1' }),
  ]);
}, 60_000);
afterAll(() => volume.remove());

const rateKeys = async (): Promise<string[]> => ((await redis.primary.command('KEYS', 'journal:rate:*')) as string[]).sort();
beforeEach(async () => {
  for (const key of await rateKeys()) await redis.primary.command('DEL', key);
});

const post = (base: ApiProcess, text: string, headers: Record<string, string> = {}) =>
  call(base.url, 'POST', '/api/entries', { text }, headers);
const me = (base: ApiProcess, headers: Record<string, string> = {}) => call(base.url, 'GET', '/api/auth/me', undefined, headers);
const INVALID_REQUEST = 'Bearer realm="journal", error="invalid_request"';
const ALICE = { mode: 'token', read: 'public', name: 'alice', admin: false };

describe('failed sign-ins from one address', () => {
  it('refuse further failed attempts with 429, but never a valid token from the same address', async () => {
    for (let i = 0; i < FAILURES; i++) expect((await post(api, 'guess', bearer(newToken()))).status).toBe(401);
    const blocked = await post(api, 'one guess too many', bearer(newToken()));
    expectProblem(blocked, 429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expectProblem(await me(api, { authorization: 'Bearer' }), 429);
    expect((await post(api, 'alice writes on', bearer(alice))).status).toBe(201);
    expect((await me(api, bearer(alice))).body).toEqual(ALICE);
  });

  it('are counted atomically: of 100 simultaneous guesses over two pods, exactly the default limit (20) get a 401', async () => {
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => post(i % 2 ? podA : podB, 'guess', bearer(newToken()))));
    const statuses = replies.map((r) => r.status);
    expect([statuses.filter((s) => s === 401).length, statuses.filter((s) => s === 429).length]).toEqual([20, 80]);
  });
});

describe('client addresses behind a proxy (TRUST_PROXY)', () => {
  it('count failures per forwarded address, through the proxies named only', async () => {
    for (let i = 0; i < FAILURES + 1; i++) await post(proxied, 'guess', { ...bearer(newToken()), 'x-forwarded-for': '203.0.113.7' });
    expectProblem(await post(proxied, 'still guessing', { ...bearer(newToken()), 'x-forwarded-for': '203.0.113.7' }), 429);
    expect((await post(proxied, 'another client', { ...bearer(newToken()), 'x-forwarded-for': '203.0.113.8' })).status).toBe(401);
    // 127.0.0.1 is not a proxy to `api`: the header changes nothing there.
    expect((await post(api, 'direct', { ...bearer(newToken()), 'x-forwarded-for': '198.51.100.1' })).status).toBe(401);
    expect(await rateKeys()).toEqual([
      'journal:rate:auth-failures:127.0.0.1',
      'journal:rate:auth-failures:203.0.113.7',
      'journal:rate:auth-failures:203.0.113.8',
    ]);
  });

  it('refuse a forwarded address that is not an IP address: never a key, never logged as an address', async () => {
    const odd = 'x"}{client-9';
    const reply = await call(
      proxied.url,
      'POST',
      '/api/entries',
      { text: 'odd' },
      {
        ...bearer(newToken()),
        'x-forwarded-for': odd,
        'x-request-id': 'odd-address',
      },
    );
    expectProblem(reply, 400);
    expect(reply.body.type).toBe('https://journal.example/problems/invalid-client-address');
    expect(reply.text).not.toContain('client-9');
    expect(await rateKeys()).toEqual([]);
    const line = (await proxied.waitForOutput('"reqId":"odd-address"')).split('\n').find((l) => l.includes('"reqId":"odd-address"'))!;
    expect(JSON.parse(line)).toMatchObject({ ip: null, status: 400 });
    expect(proxied.output).not.toContain('client-9');
  });

  it('TRUST_PROXY as a hop count or a host name stops the start with one line naming it', async () => {
    for (const value of ['1', 'proxy.example']) {
      const process = await ApiProcess.spawn({ ...redisEnv(redis), ...authEnv, PORT: String(await freePort()), TRUST_PROXY: value });
      expect([await process.exited, process.output.trim().split('\n')]).toEqual([
        1,
        [expect.stringMatching(new RegExp(`^Invalid configuration: TRUST_PROXY: must be a comma-separated list .* got "${value}"$`))],
      ]);
    }
  });
});

describe('credentials in the URL', () => {
  const urls = [
    `/api/entries?access_token=${alice}`,
    `/api/entries?ACCESS_TOKEN=${alice}`,
    `/api/entries?access%5Ftoken=${alice}`,
    `/api/entries?access_token[]=${alice}`,
    `/api/entries?access_token%5B%5D=${alice}`,
    `/api/entries;access_token=${alice}`,
    `/api/entries?page=1;access_token=${alice}`,
    `/healthz/ready?access_token=${alice}`,
    `/api/no-such-route?access_token=${alice}`,
    `/api/entries/%zz;access_token=${alice}`,
  ];

  it.each(['GET', 'POST', 'DELETE'])('are refused on %s, reads included, with a 400 that echoes nothing', async (method) => {
    for (const [i, url] of urls.entries()) {
      const reply = await call(api.url, method, url, method === 'POST' ? { text: 'x' } : undefined, {
        ...bearer(alice),
        'x-request-id': `url-${method}-${i}`,
      });
      expect([url, reply.status]).toEqual([url, 400]);
      expectProblem(reply, 400);
      expect(reply.headers.get('www-authenticate')).toBe(INVALID_REQUEST);
      expect(reply.body.detail).toMatch(/never accepted/);
      expect(reply.text).not.toContain(alice);
    }
    // The last one is a router error, which Fastify logs without the request's id: the one before it, then the logger's batch.
    await api.waitForOutput(`"reqId":"url-${method}-${urls.length - 2}"`);
    await new Promise((r) => setTimeout(r, 300));
    expect(api.output).not.toContain(alice);
    expect(api.output).toContain('"url":"/api/entries?[redacted]"');
  });
});

describe('the Authorization header', () => {
  it('twice: 400 with error="invalid_request", even when both hold the same valid token', async () => {
    const reply = await rawCall(
      api.url,
      `GET /api/auth/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice}\r\nAuthorization: Bearer ${alice}\r\nConnection: close\r\n\r\n`,
    );
    expectProblem(reply, 400);
    expect(reply.headers.get('www-authenticate')).toBe(INVALID_REQUEST);
    expect(reply.body.detail).toBe('send one Authorization header, not 2');
    expect(reply.text).not.toContain(alice);
  });
});

describe('entries that show nothing', () => {
  it.each(['\u200b', '\u2060\u2060', '\u200b\ufeff', '\ufe0f', ' \u200d\n'])('%j is refused as blank, saying why', async (text) => {
    const reply = await post(api, text, bearer(alice));
    expectProblem(reply, 400);
    expect(reply.body.detail).toBe('text must not be blank: it has only invisible characters (such as zero-width spaces), no visible one');
  });
});

describe('/api/docs/', () => {
  it("serves Swagger UI's page and the files it loads, nothing else of its package", async () => {
    const served = [
      '',
      'swagger-ui-init.js',
      'swagger-ui.css',
      'swagger-ui-bundle.js',
      'swagger-ui-standalone-preset.js',
      'favicon-32x32.png',
    ];
    for (const file of served) expect([file, (await call(api.url, 'GET', `/api/docs/${file}`)).status]).toEqual([file, 200]);
    for (const file of [
      'package.json',
      'README.md',
      'swagger-ui-bundle.js.map',
      'index.js',
      'oauth2-redirect.html',
      'LICENSE',
      'docs/package.json',
    ]) {
      const reply = await call(api.url, 'GET', `/api/docs/${file}`);
      expect([file, reply.status]).toEqual([file, 404]);
      expectProblem(reply, 404);
    }
  });
});

// Last: it stops the primary, where failures are counted.
describe('when the counter cannot answer', () => {
  async function expectFailClosed(): Promise<void> {
    const started = Date.now();
    const unknown = await me(api, bearer(newToken()));
    expect(Date.now() - started).toBeLessThan(1500);
    expectProblem(unknown, 503);
    expect(unknown.headers.get('retry-after')).toBe('1');
    expect((await me(api, bearer(alice))).body).toEqual(ALICE);
    expectProblem(await me(api, { authorization: 'Bearer' }), 400);
  }

  it('a valid token still passes, an unknown one gets 503 (never an uncounted 401): Redis hung, then down', async () => {
    redis.primary.pause();
    try {
      await expectFailClosed();
    } finally {
      redis.primary.resume();
    }
    await redis.primary.stop();
    await expectFailClosed();
    await api.waitForOutput('Redis cannot count failed sign-ins');
  });
});
