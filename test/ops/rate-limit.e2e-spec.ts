import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { RATE_LIMIT_SCRIPTS, RedisThrottlerStorage } from '../../src/rate-limit/redis-throttler.storage.js';
import type { ApiProcess } from '../support/api.js';
import { call, expectProblem, type Reply } from '../support/http.js';
import { waitFor } from '../support/ports.js';
import { useJournal } from '../support/journal.js';
import type { RedisPair } from '../support/redis.js';

const LIMIT = 3;
const limited = { RATE_LIMIT_WRITES_PER_MINUTE: String(LIMIT) };

let redis: RedisPair;
/** Two pods of one Deployment: the same Redis, the same limit. */
let podA: ApiProcess;
let podB: ApiProcess;
/** Behind a proxy on 127.0.0.1 (TRUST_PROXY names it). */
let proxied: ApiProcess;
/** No RATE_LIMIT_WRITES_PER_MINUTE. */
let unlimited: ApiProcess;

const journal = useJournal({ env: limited });
beforeAll(async () => {
  ({ redis, api: podA } = journal);
  [podB, proxied, unlimited] = await Promise.all([
    journal.startApi(limited),
    journal.startApi({ ...limited, TRUST_PROXY: '127.0.0.1' }),
    journal.startApi(),
  ]);
}, 60_000);

const rateKeys = async (): Promise<string[]> => ((await redis.primary.command('KEYS', 'journal:rate:*')) as string[]).sort();

/** Every test starts with every client's budget unspent. */
beforeEach(async () => {
  for (const key of await rateKeys()) await redis.primary.command('DEL', key);
});

const post = (api: ApiProcess, text: string, headers: Record<string, string> = {}): Promise<Reply> =>
  call(api.url, 'POST', '/api/entries', { text }, headers);

async function statuses(count: number, write: (i: number) => Promise<Reply>): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < count; i++) result.push((await write(i)).status);
  return result;
}

function expectRateLimited(reply: Reply): number {
  expectProblem(reply, 429);
  expect(reply.body.type).toBe('https://journal.example/problems/rate-limited');
  const retryAfter = reply.headers.get('retry-after');
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  expect(reply.body.detail).toBe(`This client may make ${LIMIT} writes (creates and deletes) per minute; try again in ${retryAfter} s`);
  return Number(retryAfter);
}

describe('with RATE_LIMIT_WRITES_PER_MINUTE set', () => {
  it('allows that many writes a minute per client, then answers 429 problem+json with Retry-After and stores nothing', async () => {
    const before = (await call(podA.url, 'GET', '/api/entries')).body.total;
    const allowed = await Promise.all([1, 2, 3].map((i) => post(podA, `allowed ${i}`)));
    expect(allowed.map((r) => r.status)).toEqual([201, 201, 201]);
    // The X-RateLimit-* headers are deliberately not sent (docs/operations.md, Rate limits).
    expect([...allowed[0]!.headers.keys()].filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);

    const rejected = await post(podA, 'one too many');
    const retryAfter = expectRateLimited(rejected);
    expect((await call(podA.url, 'GET', '/api/entries')).body.total).toBe(before + LIMIT);

    // Retry-After is when the window's counter expires in Redis: the budget comes back then.
    expect(await rateKeys()).toEqual(['journal:rate:writes:127.0.0.1']);
    const ttlMs = Number(await redis.primary.command('PTTL', 'journal:rate:writes:127.0.0.1'));
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(60_000);
    expect(retryAfter).toBeGreaterThanOrEqual(Math.ceil(ttlMs / 1000));
  });

  it('gives creates and deletes one shared budget', async () => {
    const [first, second] = [await post(podA, 'keep me'), await post(podA, 'delete me')];
    expect((await call(podA.url, 'DELETE', `/api/entries/${second.body.id}`)).status).toBe(204);
    expectRateLimited(await call(podA.url, 'DELETE', `/api/entries/${first.body.id}`));
    expect((await call(podA.url, 'GET', `/api/entries/${first.body.id}`)).status).toBe(200);
    expectRateLimited(await post(podA, 'no budget left'));
  });

  it('never limits reads, health checks or metrics, even with the budget spent', async () => {
    const entry = (await post(podA, 'read me often')).body;
    expect(await statuses(LIMIT - 1, () => post(podA, 'spend the budget'))).toEqual(Array(LIMIT - 1).fill(201));
    expectRateLimited(await post(podA, 'spent'));
    for (let round = 0; round < LIMIT + 2; round++) {
      for (const path of [
        '/api/entries',
        '/api/entries?page=2',
        `/api/entries/${entry.id}`,
        '/healthz/live',
        '/healthz/ready',
        '/healthz',
      ]) {
        expect([path, (await call(podA.url, 'GET', path)).status]).toEqual([path, 200]);
      }
      expect((await fetch(podA.metricsUrl)).status).toBe(200);
    }
  });

  it('holds across API pods on the same Redis', async () => {
    expect(await statuses(LIMIT, (i) => post(i % 2 === 0 ? podA : podB, `pod write ${i}`))).toEqual([201, 201, 201]);
    expectRateLimited(await post(podB, 'over on B'));
    expectRateLimited(await post(podA, 'over on A'));
  });

  it('ignores X-Forwarded-For without TRUST_PROXY, so a client cannot escape its limit by making up addresses', async () => {
    const spoofed = (i: number) => ({ 'x-forwarded-for': `198.51.100.${i + 1}` });
    expect(await statuses(LIMIT, (i) => post(podA, `spoofed ${i}`, spoofed(i)))).toEqual([201, 201, 201]);
    expectRateLimited(await post(podA, 'spoofed again', spoofed(LIMIT)));
    expect(await rateKeys()).toEqual(['journal:rate:writes:127.0.0.1']);
  });

  it('with TRUST_PROXY naming the proxy, counts each address the proxy forwards separately, and only the address the proxy saw', async () => {
    const client = { 'x-forwarded-for': '203.0.113.7' };
    expect(await statuses(LIMIT, () => post(proxied, 'through the proxy', client))).toEqual([201, 201, 201]);
    expectRateLimited(await post(proxied, 'over the limit', client));
    // The proxy appends the address it saw: whatever the client put in front is not believed.
    expectRateLimited(await post(proxied, 'with a made-up hop', { 'x-forwarded-for': '192.0.2.1, 203.0.113.7' }));
    expect((await post(proxied, 'another client', { 'x-forwarded-for': '203.0.113.8' })).status).toBe(201);
    expect(await rateKeys()).toEqual(['journal:rate:writes:203.0.113.7', 'journal:rate:writes:203.0.113.8']);
  });
});

describe('without RATE_LIMIT_WRITES_PER_MINUTE', () => {
  it('limits nothing and never touches Redis for it', async () => {
    const created = await Promise.all(Array.from({ length: 4 * LIMIT }, (_, i) => post(unlimited, `unlimited ${i}`)));
    expect(created.map((r) => r.status)).toEqual(Array(4 * LIMIT).fill(201));
    expect(await statuses(2 * LIMIT, (i) => call(unlimited.url, 'DELETE', `/api/entries/${created[i]!.body.id}`))).toEqual(
      Array(2 * LIMIT).fill(204),
    );
    expect(await rateKeys()).toEqual([]);
  });
});

describe('the counter in Redis (RedisThrottlerStorage, what the guard calls per write)', () => {
  let client: Redis;
  let storage: RedisThrottlerStorage;
  beforeAll(() => {
    client = new Redis(redis.primary.url, { password: redis.password, scripts: RATE_LIMIT_SCRIPTS });
    storage = new RedisThrottlerStorage(client);
  });
  afterAll(() => client.quit());

  it('counts a fixed window with blockDuration 0: blocked until the window ends, then a new window starts', async () => {
    const hit = () => storage.increment('test:window', 400, 2, 0);
    expect((await Promise.all([hit(), hit()])).map((r) => r.isBlocked)).toEqual([false, false]);
    const blocked = await hit();
    expect(blocked).toEqual({ totalHits: 3, timeToExpire: 1, isBlocked: true, timeToBlockExpire: 1 });
    expect(Number(await client.pttl('journal:rate:test:window'))).toBeLessThanOrEqual(400);
    await waitFor('the window to end', async () => ((await client.exists('journal:rate:test:window')) === 0 ? true : undefined), 2000);
    expect(await hit()).toEqual({ totalHits: 1, timeToExpire: 1, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('blocks for blockDuration from the hit over the limit, then counts from zero', async () => {
    const hit = () => storage.increment('test:block', 60_000, 1, 300);
    expect((await hit()).isBlocked).toBe(false);
    expect(await client.pttl('journal:rate:test:block')).toBeGreaterThan(59_000);
    expect(await hit()).toMatchObject({ isBlocked: true, timeToBlockExpire: 1 });
    // Later hits do not extend the block.
    const ttl = await client.pttl('journal:rate:test:block');
    expect(ttl).toBeLessThanOrEqual(300);
    expect((await hit()).isBlocked).toBe(true);
    expect(await client.pttl('journal:rate:test:block')).toBeLessThanOrEqual(ttl);
    await waitFor('the block to end', async () => ((await client.exists('journal:rate:test:block')) === 0 ? true : undefined), 2000);
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
  });
});

// Last: it stops the primary that the other tests write to.
describe('when the Redis primary hangs, then is down', () => {
  it('fails open: writes get the usual 503 (never 429 or 500) in time, one warning per outage, and limiting resumes when it returns', async () => {
    const warning = /Redis cannot count writes .*rate limiting is off until it answers/g;
    const warningsBefore = podA.output.match(warning)?.length ?? 0;
    const expect503 = async (text: string) => {
      const started = Date.now();
      const reply = await post(podA, text);
      expectProblem(reply, 503, 'storage-unavailable');
      expect(reply.headers.get('retry-after')).toBe('1');
      return Date.now() - started;
    };

    redis.primary.pause();
    // The write's own command timeout is 800 ms; the limiter gives up after 250 ms (2 s is the contract).
    for (let i = 0; i < 2; i++) expect(await expect503(`while the primary hangs ${i}`)).toBeLessThan(1500);
    await redis.primary.stop('SIGKILL');
    for (let i = 0; i < LIMIT + 1; i++) await expect503(`while the primary is down ${i}`);
    await waitFor('the warning', async () => ((podA.output.match(warning)?.length ?? 0) > warningsBefore ? true : undefined));
    await new Promise((r) => setTimeout(r, 300)); // longer than the logger's 250 ms flush: a second warning would show
    expect(podA.output.match(warning)?.length).toBe(warningsBefore + 1);

    await redis.primary.start();
    // Writes are acknowledged again once the replica has resynchronised with the restarted primary
    // (a full sync, after Redis's 5 s repl-diskless-sync-delay); polling with writes before that
    // would spend the rate limit.
    await waitFor('the replica to resynchronise', () => redis.waitForSync().then(() => true), 30_000);
    for (const key of await rateKeys()) await redis.primary.command('DEL', key); // AOF kept the earlier tests' counts
    await waitFor('writes to work again', async () => ((await post(podA, 'primary is back')).status === 201 ? true : undefined), 20_000);
    await podA.waitForOutput('Redis counts writes again: rate limiting is back on');
    expect(await statuses(LIMIT - 1, (i) => post(podA, `after the outage ${i}`))).toEqual(Array(LIMIT - 1).fill(201));
    expectRateLimited(await post(podA, 'over the limit again'));
  }, 45_000);
});
