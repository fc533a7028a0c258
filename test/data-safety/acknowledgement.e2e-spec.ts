import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiProcess, passwordFile } from '../support/api.js';
import { call, expectProblem, type Reply } from '../support/http.js';
import { freePort, waitFor } from '../support/ports.js';
import { useJournal } from '../support/journal.js';
import { RedisNode } from '../support/redis.js';
import { storedEntries } from '../support/stored-entries.js';

// A write is acknowledged (201, 204) only once REDIS_MIN_REPLICA_ACKS (default 1) replicas have it.
const journal = useJournal();

async function timed(method: string, path: string, body?: unknown, base = journal.api.url): Promise<Reply & { ms: number }> {
  const start = Date.now();
  const reply = await call(base, method, path, body);
  return { ...reply, ms: Date.now() - start };
}

/** The refusal: 503 problem+json with Retry-After, within 1 s, saying the write may or may not be stored. */
function expectNotConfirmed(reply: Reply & { ms: number }): void {
  expectProblem(reply, 503, 'write-not-confirmed');
  expect(reply.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(reply.ms).toBeLessThan(1000);
}

const create = (text: string) => call(journal.api.url, 'POST', '/api/entries', { text });

describe('the replica down (killed)', () => {
  let existing: { id: string };
  beforeAll(async () => {
    existing = (await create('before the replica went down')).body;
    await journal.redis.replica.stop('SIGKILL');
  });
  afterAll(async () => {
    await journal.redis.replica.start();
    await journal.redis.waitForSync();
  });

  it('refuses creates and deletes with the 503 within 1 s; nothing is acknowledged', async () => {
    for (let i = 0; i < 3; i++) {
      expectNotConfirmed(await timed('POST', '/api/entries', { text: `no replica ${i}` }));
      expectNotConfirmed(await timed('DELETE', `/api/entries/${existing.id}`));
    }
  });

  it('reads still work (from the primary)', async () => {
    expect((await call(journal.api.url, 'GET', `/api/entries/${existing.id}`)).status).toBe(200);
  });

  it('writes are acknowledged again once the replica is back', async () => {
    await journal.redis.replica.start();
    await waitFor('creates to work again', async () => ((await create('replica back')).status === 201 ? true : undefined), 15_000);
    expect((await call(journal.api.url, 'DELETE', `/api/entries/${existing.id}`)).status).toBe(204);
  });
});

describe('the replica hung (SIGSTOP: connected, never confirming)', () => {
  let existing: { id: string };
  beforeAll(async () => {
    existing = (await create('before the replica hung')).body;
    journal.redis.replica.pause();
  });
  afterAll(() => journal.redis.replica.resume());

  it('refuses creates and deletes with the 503 within 1 s, also when they come together', async () => {
    expectNotConfirmed(await timed('POST', '/api/entries', { text: 'hung replica' }));
    expectNotConfirmed(await timed('DELETE', `/api/entries/${existing.id}`));
    const together = await Promise.all(Array.from({ length: 10 }, (_, i) => timed('POST', '/api/entries', { text: `hung ${i}` })));
    together.forEach(expectNotConfirmed);
  });
});

describe('a primary without replicas', () => {
  let single: RedisNode;
  const apis: ApiProcess[] = [];
  let dir: string;
  beforeAll(async () => {
    const password = 'single-node-password';
    dir = mkdtempSync(join(tmpdir(), 'journal-single-'));
    single = new RedisNode('single', await freePort(), dir, ['--bind', '127.0.0.1', '--requirepass', password, '--save', '']);
    await single.start();
    const env = { REDIS_WRITE_URL: single.url, REDIS_PASSWORD_FILE: passwordFile(password) };
    apis.push(await ApiProcess.start(env), await ApiProcess.start({ ...env, REDIS_MIN_REPLICA_ACKS: '0' }));
  });
  afterAll(async () => {
    await Promise.all(apis.map((a) => a.stop()));
    await single?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses every write with the default REDIS_MIN_REPLICA_ACKS=1, storing nothing', async () => {
    expectNotConfirmed(await timed('POST', '/api/entries', { text: 'no replicas at all' }, apis[0].url));
    expect(await storedEntries.count(single)).toBe(0);
  });

  it('acknowledges writes with REDIS_MIN_REPLICA_ACKS=0 (a single development Redis)', async () => {
    const created = await call(apis[1].url, 'POST', '/api/entries', { text: 'single node' });
    expect(created.status).toBe(201);
    expect((await call(apis[1].url, 'DELETE', `/api/entries/${created.body.id}`)).status).toBe(204);
  });
});
