// The journal's service and store as Nest assembles them (@nestjs/testing), against a real Redis
// pair: the real clients, replication state and config, with only the settings replaced. (Not the
// whole JournalModule: its controller's rate-limit guard comes from @nestjs/throttler, a CommonJS
// package that requires the ESM-only @nestjs/common, which jest's ESM mode cannot load on Node 20.)
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HttpStatus } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { AppConfigModule } from '../../src/config/config.module.js';
import { journalConfig } from '../../src/config/journal.config.js';
import { redisConfig } from '../../src/config/redis.config.js';
import { serverConfig } from '../../src/config/server.config.js';
import { JournalService } from '../../src/journal/journal.service.js';
import {
  ENTRY_WORDS_KEY,
  JOURNAL_SCRIPTS,
  JournalStore,
  UNINDEXED_KEY,
  WORD_PREFIX,
  WORDS_KEY,
  type Scripted,
} from '../../src/journal/journal.store.js';
import { SearchIndexer } from '../../src/journal/search-indexer.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { ProblemException } from '../../src/problem/problem.js';
import { RedisModule } from '../../src/redis/redis.module.js';
import { REDIS_READER, REDIS_WRITER } from '../../src/redis/redis.tokens.js';
import { freePort, waitFor } from '../support/ports.js';
import { startRedisPair, type RedisPair } from '../support/redis.js';
import { storedEntries } from '../support/stored-entries.js';

let redis: RedisPair;
let app: NestFastifyApplication;
let journal: JournalService;

beforeAll(async () => {
  redis = await startRedisPair();
  const module = await Test.createTestingModule({
    imports: [AppConfigModule, RedisModule.forRoot(), RedisModule.forFeature(JOURNAL_SCRIPTS)],
    // The search indexer is run by hand in the search test, so that the test decides when entries move.
    providers: [JournalService, JournalStore, { provide: SearchIndexer, useValue: { schedule: () => undefined } }],
  })
    .overrideProvider(redisConfig.KEY)
    .useValue({ writer: redis.primary.url, reader: redis.replica.url, passwordFile: '(test)', password: redis.password, minReplicaAcks: 1 })
    .overrideProvider(serverConfig.KEY)
    .useValue({ port: 0, host: '127.0.0.1', metricsPort: await freePort() })
    .overrideProvider(journalConfig.KEY)
    .useValue({ pageSize: 2 })
    .compile();
  // An application (not just the module graph), so that start-up and shutdown hooks run as in the API.
  app = module.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  await app.init();
  journal = app.get(JournalService);
  // The clients connect on their own, as at start-up; the API's readiness waits for that too.
  const clients = [app.get<Redis>(REDIS_WRITER), app.get<Redis>(REDIS_READER)];
  await waitFor('the clients to connect', async () => (clients.every((c) => c.status === 'ready') ? true : undefined));
});

afterAll(async () => {
  await app?.close(); // quits the clients, stops the replication timer and the metrics server
  await redis?.stop();
});

/** The problem a call fails with. */
async function problemOf(call: Promise<unknown>): Promise<ProblemException> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProblemException);
  return error as ProblemException;
}

describe('the journal on a real Redis pair', () => {
  it('creates, pages with the configured page size (newest first), reads and deletes', async () => {
    const create = async (text: string) => (await journal.create(text)).entry;
    const [first, second, third] = [await create('one'), await create('two'), await create('three')];
    expect(JSON.parse(await journal.page(1, undefined))).toEqual({ entries: [third, second], page: 1, pageSize: 2, total: 3 });
    expect(JSON.parse(await journal.page(2, undefined))).toEqual({ entries: [first], page: 2, pageSize: 2, total: 3 });
    expect((await journal.get(second.id, undefined)).entry).toEqual(second);
    await journal.delete(second.id, undefined);
    expect((await problemOf(journal.delete(second.id, undefined))).getStatus()).toBe(HttpStatus.NOT_FOUND);
    expect((await problemOf(journal.get('not-an-id', undefined))).getStatus()).toBe(HttpStatus.NOT_FOUND);
  });

  it('has the replica acknowledge each create: the entry is on the replica when create returns', async () => {
    const { entry } = await journal.create('on both');
    expect(await storedEntries.get(redis.replica, entry.id)).toBe(JSON.stringify(entry));
  });

  it('search finds an entry while it waits for the search index and once it is in it, once; deletes take it out of either', async () => {
    const indexer = new SearchIndexer(app.get<Scripted>(REDIS_WRITER), new Metrics());
    const search = async (q: string) => JSON.parse(await journal.page(1, undefined, q)) as { entries: { id: string }[]; total: number };
    const older = (await journal.create('a walrus on the quay')).entry;
    expect(await redis.primary.command('SISMEMBER', UNINDEXED_KEY, older.id)).toBe(1);
    expect(await search('walrus')).toMatchObject({ total: 1, entries: [older] });
    expect(await indexer.indexQueued()).toBeGreaterThanOrEqual(1);
    expect(await redis.primary.command('SCARD', UNINDEXED_KEY)).toBe(0);
    expect(await redis.primary.command('SISMEMBER', `${WORD_PREFIX}walrus`, older.id)).toBe(1);
    const newer = (await journal.create('another Walrus')).entry;
    for (const q of ['walrus', 'walr', 'WALRUS'])
      expect(await search(q)).toEqual(expect.objectContaining({ total: 2, entries: [newer, older] }));
    await journal.delete(older.id, undefined);
    await journal.delete(newer.id, undefined);
    expect(await search('walrus')).toMatchObject({ total: 0, entries: [] });
    expect(await indexer.indexQueued()).toBe(0);
    expect(await redis.primary.command('EXISTS', `${WORD_PREFIX}walrus`)).toBe(0);
    expect(await redis.primary.command('ZSCORE', WORDS_KEY, 'walrus')).toBeNull();
  });

  it('an edit keeps the entry in the sets of the words it keeps (a search meanwhile finds it there) and queues it for the new ones; a delete leaves nothing', async () => {
    const indexer = new SearchIndexer(app.get<Scripted>(REDIS_WRITER), new Metrics());
    const search = async (q: string) => (JSON.parse(await journal.page(1, undefined, q)) as { total: number }).total;
    const member = async (key: string, id: string) => Number(await redis.primary.command('SISMEMBER', key, id));
    const created = await journal.create('otter and heron');
    const { id } = created.entry;
    await indexer.indexQueued();
    const edited = await journal.edit(id, { text: 'otter and kingfisher' }, created.etag, undefined);
    // Before any batch: still in the sets of "otter" and "and", out of "heron"'s, queued for "kingfisher".
    expect([
      await member(`${WORD_PREFIX}otter`, id),
      await member(`${WORD_PREFIX}and`, id),
      await member(`${WORD_PREFIX}heron`, id),
    ]).toEqual([1, 1, 0]);
    expect(await member(UNINDEXED_KEY, id)).toBe(1);
    expect([await search('otter'), await search('kingfisher'), await search('heron')]).toEqual([1, 1, 0]);
    // Edited again and deleted before any batch: nothing of it stays in the index.
    await journal.edit(id, { text: 'a lone otter' }, edited.etag, undefined);
    await journal.delete(id, undefined);
    for (const word of ['otter', 'and', 'heron', 'kingfisher', 'lone']) expect(await member(`${WORD_PREFIX}${word}`, id)).toBe(0);
    expect(await member(UNINDEXED_KEY, id)).toBe(0);
    expect(await redis.primary.command('HEXISTS', ENTRY_WORDS_KEY, id)).toBe(0);
  });

  it('turns a Redis outage into a 503 problem with Retry-After, and heals by itself', async () => {
    await redis.primary.stop();
    const problem = await problemOf(journal.create('while the primary is down'));
    expect(problem.getStatus()).toBe(HttpStatus.SERVICE_UNAVAILABLE);
    expect(problem.headers).toEqual({ 'Retry-After': '1' });
    await redis.primary.start();
    const healed = await waitFor('a create to succeed again', () => journal.create('after the outage').catch(() => undefined), 15_000);
    expect(healed.entry.text).toBe('after the outage');
  }, 30_000);
});
