import { request } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { ApiProcess, passwordFile, redisEnv } from '../support/api.js';
import { call, expectProblem } from '../support/http.js';
import { freePort, waitFor } from '../support/ports.js';
import { startRedisPair } from '../support/redis.js';
import { storedEntries } from '../support/stored-entries.js';

describe('SIGTERM', () => {
  it('lets a request in flight finish, refuses new connections, closes the clients and exits 0', async () => {
    const redis = await startRedisPair();
    const api = await ApiProcess.start(redisEnv(redis));
    try {
      const clientsBefore = Number(/connected_clients:(\d+)/.exec(String(await redis.primary.command('INFO', 'clients')))![1]);
      const body = JSON.stringify({ text: 'sent while the API shuts down' });
      // Half the body now, the rest after SIGTERM: the request is in flight when the signal arrives.
      const reply = new Promise<{ status: number; connection?: string; body: string }>((resolve, reject) => {
        const req = request(
          `${api.url}/api/entries`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            let text = '';
            res.on('data', (d) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body: text }));
          },
        );
        req.on('error', reject);
        req.write(body.slice(0, 10));
        setTimeout(() => {
          api.child.kill('SIGTERM');
          setTimeout(() => req.end(body.slice(10)), 300);
        }, 200);
      });
      const answered = await reply;
      expect(answered.status).toBe(201);
      expect(answered.connection).toBe('close'); // a kept-alive socket would hold the exit back
      expect(JSON.parse(answered.body).text).toBe('sent while the API shuts down');
      await expect(fetch(`${api.url}/healthz/live`)).rejects.toThrow();
      const signalled = Date.now();
      expect(await api.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(2000);
      const clientsAfter = Number(/connected_clients:(\d+)/.exec(String(await redis.primary.command('INFO', 'clients')))![1]);
      expect(clientsAfter).toBeLessThan(clientsBefore);
      expect(await storedEntries.count(redis.primary)).toBe(1);
    } finally {
      await api.stop();
      await redis.stop();
    }
  });
});

describe('start-up refusals', () => {
  async function refused(env: Record<string, string>): Promise<string> {
    const api = await ApiProcess.spawn({ PORT: String(await freePort()), REDIS_PASSWORD_FILE: '/nonexistent/passwd', ...env });
    expect(await api.exited).toBe(1);
    const lines = api.output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/\bat\s|Error:/);
    return lines[0];
  }

  it.each([['abc'], ['0'], ['1.5'], ['-3'], ['101'], ['1e2'], ['']])('refuses JOURNAL_ENTRIES=%s', async (value) => {
    expect(await refused({ JOURNAL_ENTRIES: value })).toMatch(
      /^Invalid configuration: JOURNAL_ENTRIES: must be a whole number from 1 to 100/,
    );
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', 'http'],
  ])('refuses %s=%s', async (name, value) => {
    expect(await refused({ [name]: value })).toMatch(new RegExp(`^Invalid configuration: ${name}: `));
  });

  it.each([
    ['REDIS_WRITE_URL', 'http://redis:6379'],
    ['REDIS_READ_URL', 'not a url'],
    ['REDIS_WRITE_URL', 'redis://'],
  ])('refuses %s=%s', async (name, value) => {
    expect(await refused({ [name]: value })).toMatch(new RegExp(`^Invalid configuration: ${name}: must be a redis:// or rediss:// URL`));
  });

  it('refuses Sentinel mode mixed with the URLs, naming the variables', async () => {
    expect(
      await refused({
        REDIS_SENTINELS: 'redis-0.redis-write:26379',
        REDIS_MASTER_NAME: 'journal',
        REDIS_WRITE_URL: 'redis://redis-0.redis-write:6379',
      }),
    ).toBe(
      'Invalid configuration: REDIS_SENTINELS: cannot be combined with REDIS_WRITE_URL or REDIS_READ_URL: set REDIS_SENTINELS and REDIS_MASTER_NAME (Sentinel mode) or the URLs, not both',
    );
  });

  it('refuses a password in a URL without echoing it', async () => {
    const line = await refused({ REDIS_WRITE_URL: 'redis://user:hunter2secret@redis:6379' });
    expect(line).toMatch(/REDIS_WRITE_URL/);
    expect(line).not.toContain('hunter2secret');
  });

  it('refuses to start in production without the password file', async () => {
    expect(await refused({ NODE_ENV: 'production' })).toBe(
      'Invalid configuration: REDIS_PASSWORD_FILE: /nonexistent/passwd does not exist; NODE_ENV=production needs the Redis password',
    );
  });

  it('outside production, runs without a password and warns', async () => {
    const api = await ApiProcess.spawn({ PORT: String(await freePort()), REDIS_PASSWORD_FILE: '/nonexistent/passwd' });
    try {
      await waitFor('the API to answer', async () =>
        (await fetch(`${api.url}/healthz/live`).catch(() => undefined))?.ok ? true : undefined,
      );
      await api.waitForOutput('/nonexistent/passwd does not exist: connecting to Redis without a password');
    } finally {
      await api.stop();
    }
  });
});

describe('a wrong password', () => {
  it('makes requests 503 and readiness fail, and neither password shows up anywhere', async () => {
    const redis = await startRedisPair();
    const wrong = 'wrong-password-xyz';
    const api = await ApiProcess.spawn({
      PORT: String(await freePort()),
      REDIS_WRITE_URL: redis.primary.url,
      REDIS_READ_URL: redis.replica.url,
      REDIS_PASSWORD_FILE: passwordFile(wrong),
    });
    try {
      await waitFor('the API to answer', async () =>
        (await fetch(`${api.url}/healthz/live`).catch(() => undefined))?.ok ? true : undefined,
      );
      await waitFor('the auth failure to be logged', async () => (/WRONGPASS|NOAUTH/.test(api.output) ? true : undefined));
      const replies = [
        await call(api.url, 'GET', '/healthz/ready'),
        await call(api.url, 'POST', '/api/entries', { text: 'x' }),
        await call(api.url, 'GET', '/healthz'),
      ];
      for (const reply of replies) {
        expectProblem(reply, 503);
        expect(reply.text).not.toContain(wrong);
      }
      expect(api.output).toMatch(/WRONGPASS|NOAUTH|invalid username-password/i);
      expect(api.output).not.toContain(wrong);
      expect(api.output).not.toContain(redis.password);
    } finally {
      await api.stop();
      await redis.stop();
    }
  });
});
