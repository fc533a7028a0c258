import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { ApiProcess, redisEnv } from '../support/api.js';
import { launchChromium } from '../support/browser.js';
import { call, expectProblem } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { useJournal } from '../support/journal.js';
import type { RedisPair } from '../support/redis.js';

let redis: RedisPair;
let api: ApiProcess; // CORS off, the default
let corsApi: ApiProcess; // CORS_ORIGINS lists the other site's origin
let otherSite: Server; // a page on another origin, as a browser sees it
let otherOrigin: string;
let browser: Browser;

const journal = useJournal();
beforeAll(async () => {
  ({ redis, api } = journal);
  const port = await freePort();
  otherOrigin = `http://127.0.0.1:${port}`;
  otherSite = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>other site</title>'),
  );
  await new Promise<void>((resolve) => otherSite.listen(port, '127.0.0.1', resolve));
  [corsApi, browser] = await Promise.all([journal.startApi({ CORS_ORIGINS: `https://journal.example,${otherOrigin}` }), launchChromium()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  otherSite?.close();
});

describe('security headers (helmet)', () => {
  it.each([
    ['a JSON answer', 'GET', '/api/entries', 200],
    ['a problem', 'GET', '/api/entries/999999', 404],
    ['a router error', 'GET', '/nowhere', 404],
    ['a malformed URL (answered before any hook runs)', 'GET', '/api/entries/%zz', 400],
    ['a health report', 'GET', '/healthz', 200],
  ])('are on %s', async (_what, method, path, status) => {
    const reply = await call(api.url, method, path);
    expect(reply.status).toBe(status);
    expect(Object.fromEntries(reply.headers)).toMatchObject({
      'content-security-policy': "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'",
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'cross-origin-resource-policy': 'same-origin',
    });
    expect(reply.headers.has('x-powered-by')).toBe(false);
    expect(reply.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('CORS', () => {
  const preflight = (base: string, origin: string) =>
    fetch(`${base}/api/entries`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });

  it('is off by default: no Access-Control-* header for any origin', async () => {
    const answer = await preflight(api.url, otherOrigin);
    expect([...answer.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
    const reply = await call(api.url, 'GET', '/api/entries', undefined, { origin: otherOrigin });
    expect(reply.headers.has('access-control-allow-origin')).toBe(false);
  });

  it('answers preflights from the listed origins only', async () => {
    const allowed = await preflight(corsApi.url, otherOrigin);
    expect(allowed.status).toBe(204);
    expect(Object.fromEntries(allowed.headers)).toMatchObject({
      'access-control-allow-origin': otherOrigin,
      'access-control-allow-methods': 'GET, POST, DELETE',
      'access-control-allow-headers': 'content-type, x-request-id, authorization',
      'access-control-max-age': '600',
    });
    expect(allowed.headers.get('vary')).toMatch(/origin/i);
    const other = await preflight(corsApi.url, 'https://evil.example');
    expect(other.headers.has('access-control-allow-origin')).toBe(false);
  });

  it('lets a page on a listed origin write and read Location and X-Request-Id in Chromium; elsewhere the browser blocks it and nothing is stored', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(otherOrigin);
      const post = (base: string) =>
        page.evaluate(async (url) => {
          try {
            const res = await fetch(`${url}/api/entries`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-request-id': 'cross-site-1' },
              body: JSON.stringify({ text: 'from another site' }),
            });
            return { status: res.status, location: res.headers.get('location'), requestId: res.headers.get('x-request-id') };
          } catch (error) {
            return { error: String(error) };
          }
        }, base);
      const total = async () => (await call(api.url, 'GET', '/api/entries')).body.total as number;

      const before = await total();
      const allowed = await post(corsApi.url);
      expect(allowed).toEqual({
        status: 201,
        location: expect.stringMatching(/^\/api\/entries\/[0-9A-Z]{26}$/),
        requestId: 'cross-site-1',
      });
      expect(await total()).toBe(before + 1);

      expect(await post(api.url)).toEqual({ error: 'TypeError: Failed to fetch' });
      expect(await total()).toBe(before + 1); // the preflight failed, so the POST was never sent
    } finally {
      await page.close();
    }
  });
});

describe('CORS_ORIGINS', () => {
  it('refuses to start, in one line, on an origin with a path', async () => {
    const refused = await ApiProcess.spawn({
      ...redisEnv(redis),
      PORT: String(await freePort()),
      CORS_ORIGINS: 'https://journal.example/app',
    });
    expect(await refused.exited).toBe(1);
    expect(refused.output.trim()).toBe(
      'Invalid configuration: CORS_ORIGINS: must be a comma-separated list of origins like https://journal.example (no path, no trailing slash), got "https://journal.example/app"',
    );
  });
});

it('is a problem, not a crash, when a preflight has no route (CORS off)', async () => {
  expectProblem(await call(api.url, 'OPTIONS', '/api/entries'), 404);
});
