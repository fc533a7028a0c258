// The file server's NGINX rules (kustomize/base/fileserver) on a real NGINX, through
// the local stack's config: caching, gzip, security headers, the 404 page, and /api reaching the API.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileServerConf, localNginxConf, webRoot } from '../../web/stack/nginx.mjs';
import { call, expectProblem, rawCall, type Reply } from '../support/http.js';
import { startWebStack, type WebStack } from './stack.js';

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A plain HTTP GET that shows the bytes as sent (fetch would undo the gzip). */
function get(url: string, headers: Record<string, string> = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

function expectSecurityHeaders(reply: RawReply): void {
  const csp = String(reply.headers['content-security-policy']);
  expect(csp).toMatch(/(^|; )default-src 'self'(;|$)/);
  expect(csp).toMatch(/(^|; )script-src 'self'(;|$)/);
  expect(csp).toMatch(/(^|; )frame-ancestors 'none'(;|$)/);
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
  expect(reply.headers['x-content-type-options']).toBe('nosniff');
  expect(reply.headers['referrer-policy']).toBe('no-referrer');
  expect(reply.headers['x-frame-options']).toBe('DENY');
  // server_tokens off: no version number to look up exploits for.
  expect(reply.headers.server).toBe('nginx');
}

/** The fingerprinted asset paths index.html references. */
function assetPaths(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
}

describe('NGINX file server', () => {
  let stack: WebStack;

  beforeAll(async () => {
    stack = await startWebStack();
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('serves index.html with no-cache, utf-8 and the security headers', async () => {
    for (const path of ['/', '/index.html']) {
      const reply = await get(stack.url + path);
      expect(reply.status).toBe(200);
      expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(reply.headers['cache-control']).toBe('no-cache');
      expectSecurityHeaders(reply);
    }
  });

  it('the page has no inline script or style, so the CSP can forbid them', async () => {
    const html = (await get(`${stack.url}/`)).body.toString();
    const scripts = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [tag, body] of scripts) {
      expect(tag).toMatch(/src="\/assets\//);
      expect(body).toBe('');
    }
    expect(html).not.toMatch(/<style|\son\w+=|style="|javascript:/i);
  });

  it('serves fingerprinted assets with a one-year immutable cache', async () => {
    const paths = assetPaths((await get(`${stack.url}/`)).body.toString());
    expect(paths).toEqual([
      expect.stringMatching(/^\/assets\/styles\.[0-9a-f]{10}\.css$/),
      expect.stringMatching(/^\/assets\/app\.[0-9a-f]{10}\.js$/),
    ]);
    for (const path of paths) {
      const reply = await get(stack.url + path);
      expect(reply.status).toBe(200);
      expect(reply.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(reply.headers['content-type']).toMatch(path.endsWith('.js') ? /^application\/javascript/ : /^text\/css/);
      expect(reply.body.equals(readFileSync(join(webRoot, path)))).toBe(true);
      expectSecurityHeaders(reply);
    }
  });

  it('compresses text with gzip for clients that accept it, and only for them', async () => {
    const html = (await get(`${stack.url}/`)).body.toString();
    for (const path of ['/', ...assetPaths(html)]) {
      const gzipped = await get(stack.url + path, { 'accept-encoding': 'gzip' });
      expect(gzipped.headers['content-encoding']).toBe('gzip');
      expect(gzipped.headers.vary).toMatch(/Accept-Encoding/);
      const plain = await get(stack.url + path);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(gunzipSync(gzipped.body).equals(plain.body)).toBe(true);
      expect(gzipped.body.length).toBeLessThan(plain.body.length);
    }
  });

  it('answers unknown paths, folders, dotfiles and the 404 page itself with the 404 page, never a listing', async () => {
    for (const path of ['/no-such-page', '/assets/', '/assets/app.js', '/.git/config', '/.env', '/404.html']) {
      const reply = await get(stack.url + path);
      const body = reply.body.toString();
      expect([path, reply.status]).toEqual([path, 404]);
      expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(body).toContain('<h1>Page not found</h1>');
      expect(body).not.toMatch(/Index of|nginx\//);
      expect(reply.headers['cache-control']).toBe('no-cache');
      expectSecurityHeaders(reply);
    }
  });

  it('proxies /api to the API: create, read, and its problem+json errors pass through', async () => {
    const created = await call(stack.url, 'POST', '/api/entries', { text: 'through the proxy' });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/entries/${created.body.id}`);
    const page = await call(stack.url, 'GET', '/api/entries');
    expect(page.status).toBe(200);
    expect(page.body.entries[0]).toEqual(created.body);
    // The same answer as from the API directly.
    expect((await call(stack.api.url, 'GET', `/api/entries/${created.body.id}`)).body).toEqual(created.body);
    expectProblem(await call(stack.url, 'POST', '/api/entries', { text: ' ' }), 400);
  });

  it("passes the API's answers unchanged: not compressed, so an entry's ETag stays strong for an edit's If-Match", async () => {
    // Long enough to be compressed if the server's gzip rules applied here.
    const created = await call(stack.url, 'POST', '/api/entries', { text: 'an entry to edit later, '.repeat(40) });
    const direct = await call(stack.api.url, 'GET', `/api/entries/${created.body.id}`);
    const proxied = await get(`${stack.url}/api/entries/${created.body.id}`, { 'accept-encoding': 'gzip' });
    expect(proxied.headers['content-encoding']).toBeUndefined();
    expect(proxied.headers.etag).toBe(direct.headers.get('etag'));
    expect(proxied.headers.etag).toMatch(/^"[0-9a-f]{40}"$/);
  });

  it('tells clients apart: the API sees the address NGINX saw, never one a client claims', async () => {
    const ask = (from: string, claimed?: string) =>
      rawCall(
        stack.url,
        `GET /api/entries HTTP/1.1\r\nHost: x\r\nX-Request-Id: from-${from}\r\n${claimed ? `X-Forwarded-For: ${claimed}\r\n` : ''}Connection: close\r\n\r\n`,
        from,
      );
    expect((await ask('127.0.0.2')).status).toBe(200);
    expect((await ask('127.0.0.3', '127.0.0.2')).status).toBe(200);
    const logged = (from: string) =>
      stack.api
        .waitForOutput(`"reqId":"from-${from}"`)
        .then((output) => JSON.parse(output.split('\n').find((line) => line.includes(`"reqId":"from-${from}"`))!).ip);
    expect([await logged('127.0.0.2'), await logged('127.0.0.3')]).toEqual(['127.0.0.2', '127.0.0.3']);
  });

  it.each([['/api/entries'], ['/api/docs/']])("passes the API's own security headers on %s, without adding the UI's", async (path) => {
    const security = (reply: Reply) =>
      Object.fromEntries(
        [...reply.headers].filter(([name]) =>
          /^(content-security-policy|x-frame-options|x-content-type-options|referrer-policy|cross-origin-opener-policy|permissions-policy|cache-control)$/.test(
            name,
          ),
        ),
      );
    const proxied = security(await call(stack.url, 'GET', path));
    expect(proxied['content-security-policy']).toMatch(/^default-src 'none';/); // the API's, once
    expect(proxied).toEqual(security(await call(stack.api.url, 'GET', path)));
  });

  it("includes the file server's own rules, as its server block in the cluster does: only listen, root and /api differ", () => {
    const directives = (text: string) =>
      text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'));
    // In the cluster: the image includes conf.d/*.conf (default.conf, cache-control.conf); the server includes the rules.
    expect(directives(readFileSync(fileServerConf.server, 'utf8'))).toEqual([
      'server {',
      'listen 8080;',
      'root /usr/share/nginx/html;',
      'include /etc/nginx/conf.d/server-rules.inc;',
      '}',
    ]);
    const local = directives(localNginxConf({ dir: '/run/x', port: 1234, apiUrl: 'http://127.0.0.1:5678' }));
    expect(local).toContain(`include ${JSON.stringify(fileServerConf.cacheControl)};`);
    const server = local.slice(local.indexOf('server {'));
    expect(server.slice(0, 4)).toEqual([
      'server {',
      'listen 127.0.0.1:1234;',
      `root ${JSON.stringify(webRoot)};`,
      `include ${JSON.stringify(fileServerConf.rules)};`,
    ]);
    expect(server.slice(4, 6)).toEqual(['location /api/ {', 'proxy_pass http://127.0.0.1:5678;']);
  });
});
