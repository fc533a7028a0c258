import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiProcess } from '../support/api.js';
import { call, expectProblem, type Reply } from '../support/http.js';
import { freePort, waitFor } from '../support/ports.js';
import { useJournal } from '../support/journal.js';
import type { RedisPair } from '../support/redis.js';
import { storedEntries } from '../support/stored-entries.js';

let redis: RedisPair;
let api: ApiProcess;
let existing: { id: string; text: string };

const journal = useJournal();
beforeAll(async () => {
  ({ redis, api } = journal);
  existing = (await call(api.url, 'POST', '/api/entries', { text: 'written before the faults' })).body;
});

/** A request answered, and how long it took. */
async function timed(method: string, path: string, body?: unknown): Promise<Reply & { ms: number }> {
  const start = Date.now();
  const reply = await call(api.url, method, path, body);
  return { ...reply, ms: Date.now() - start };
}

/** A 503 storage problem (`types`: which, see expectProblem) with Retry-After, within 2 s. */
async function expectFast503(types: string | string[], method: string, path: string, body?: unknown): Promise<void> {
  const reply = await timed(method, path, body);
  expectProblem(reply, 503, types);
  expect(reply.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(reply.ms).toBeLessThan(2000);
}

const healed = (what: string, method: string, path: string, body: unknown, status: number) =>
  waitFor(what, async () => ((await call(api.url, method, path, body)).status === status ? true : undefined), 15_000);

describe('primary down', () => {
  beforeAll(() => redis.primary.stop('SIGKILL'));

  it('still serves reads from the replica', async () => {
    expect((await timed('GET', `/api/entries/${existing.id}`)).body).toEqual(existing);
    expect((await timed('GET', '/api/entries')).body.entries).toContainEqual(existing);
  });

  it('fails writes fast with 503 problem+json and Retry-After', async () => {
    await expectFast503('storage-unavailable', 'POST', '/api/entries', { text: 'no primary' });
    await expectFast503('storage-unavailable', 'DELETE', `/api/entries/${existing.id}`);
  });

  it('stays ready (reads work) while the report shows the writer down', async () => {
    expect((await call(api.url, 'GET', '/healthz/ready')).status).toBe(200);
    const report = await call(api.url, 'GET', '/healthz');
    expectProblem(report, 503);
    expect(report.body.checks.writer.status).toBe('down');
    expect(report.body.checks.reader.status).toBe('up');
  });

  it('heals without a restart when the primary returns, with every acknowledged entry', async () => {
    await redis.primary.start();
    await healed('writes to work again', 'POST', '/api/entries', { text: 'after the primary returned' }, 201);
    expect((await call(api.url, 'GET', `/api/entries/${existing.id}`)).body).toEqual(existing);
  });
});

describe('replica (read endpoint) down', () => {
  beforeAll(() => redis.replica.stop('SIGKILL'));

  it('falls back to the primary for reads; writes are refused (no replica to confirm them)', async () => {
    expect((await timed('GET', `/api/entries/${existing.id}`)).body).toEqual(existing);
    await expectFast503('write-not-confirmed', 'POST', '/api/entries', { text: 'no replica' });
    await expectFast503('write-not-confirmed', 'DELETE', `/api/entries/${existing.id}`);
    expect((await call(api.url, 'GET', '/healthz/ready')).status).toBe(200);
  });

  it('reads from the replica again once it returns', async () => {
    await redis.replica.start();
    await redis.waitForSync();
    await waitFor(
      'reads to reach the replica again',
      async () => {
        const calls = () =>
          redis.replica.command('INFO', 'commandstats').then((s) => /cmdstat_hget:calls=(\d+)/.exec(String(s))?.[1] ?? '0');
        const before = await calls();
        await call(api.url, 'GET', `/api/entries/${existing.id}`);
        return (await calls()) !== before ? true : undefined;
      },
      15_000,
    );
  });
});

describe('replica cut off from the primary (linking, syncing or partitioned)', () => {
  afterAll(async () => {
    await redis.replica.command('REPLICAOF', '127.0.0.1', redis.primary.port);
    await redis.waitForSync();
  });

  it('reads from the primary, so a reader never gets the old data the replica still serves', async () => {
    await redis.replica.command('REPLICAOF', '127.0.0.1', await freePort()); // a primary that is not there
    // Straight to the primary: the cut-off replica can never have this entry.
    await storedEntries.put(redis.primary, '800000', '{"id":"800000","text":"fresh","createdAt":"2026-01-01T00:00:00.000Z"}');
    // A page shows it once reads come from the primary (an entry by id is also looked for there).
    await waitFor(
      'reads to come from the primary',
      async () => ((await call(api.url, 'GET', '/api/entries?page=1')).body.entries[0]?.id === '800000' ? true : undefined),
      5000,
    );
    expect((await call(api.url, 'GET', '/api/entries/800000')).status).toBe(200);
    await storedEntries.remove(redis.primary, '800000');
  });
});

describe('both down', () => {
  beforeAll(() => Promise.all([redis.primary.stop('SIGKILL'), redis.replica.stop('SIGKILL')]));

  it('answers every request with a 503 within 2 s, and liveness still passes', async () => {
    await expectFast503('storage-unavailable', 'GET', '/api/entries');
    await expectFast503('storage-unavailable', 'GET', `/api/entries/${existing.id}`);
    await expectFast503(['storage-unavailable', 'write-not-confirmed'], 'POST', '/api/entries', { text: 'nothing up' });
    await expectFast503(['storage-unavailable', 'write-not-confirmed'], 'DELETE', `/api/entries/${existing.id}`);
    expectProblem(await timed('GET', '/healthz/ready'), 503);
    expect((await call(api.url, 'GET', '/healthz/live')).status).toBe(200);
  });

  it('heals when Redis returns; acknowledged entries survived', async () => {
    await redis.primary.start();
    await redis.replica.start();
    await healed('writes to work again', 'POST', '/api/entries', { text: 'after both returned' }, 201);
    await healed('readiness', 'GET', '/healthz/ready', undefined, 200);
    expect((await call(api.url, 'GET', `/api/entries/${existing.id}`)).body).toEqual(existing);
  });
});

describe('both hung (processes stopped, sockets open)', () => {
  afterAll(() => {
    redis.primary.resume();
    redis.replica.resume();
  });

  it('answers with a 503 within 2 s instead of hanging, then recovers', async () => {
    redis.primary.pause();
    redis.replica.pause();
    await expectFast503('storage-unavailable', 'GET', '/api/entries');
    await expectFast503('storage-unavailable', 'GET', `/api/entries/${existing.id}`);
    await expectFast503('storage-unavailable', 'POST', '/api/entries', { text: 'hung' });
    redis.primary.resume();
    redis.replica.resume();
    await healed('reads after the hang', 'GET', `/api/entries/${existing.id}`, undefined, 200);
    await healed('writes after the hang', 'POST', '/api/entries', { text: 'after the hang' }, 201);
  });
});

describe('the password', () => {
  it('never appeared in the API output through all of the above', () => {
    expect(api.output).not.toContain(redis.password);
  });
});
