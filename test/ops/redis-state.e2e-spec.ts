import { beforeAll, describe, expect, it } from '@jest/globals';
import { useJournal } from '../support/journal.js';
import { sample, scrape } from '../support/metrics.js';
import { waitFor } from '../support/ports.js';

/** The Redis state gauges (src/metrics/redis-state.ts), read from a real primary and replica. */
const journal = useJournal();

beforeAll(async () => {
  // The gauges read INFO at each scrape: a limit set now shows in the next one.
  await journal.redis.primary.command('CONFIG', 'SET', 'maxmemory', String(64 * 1024 * 1024));
});

/** Scrapes until `ready` holds for the exposition (the API's Redis clients reconnect with a back-off). */
const scrapeUntil = (what: string, ready: (text: string) => boolean) =>
  waitFor(
    what,
    async () => {
      const text = await scrape(journal.api.metricsUrl);
      return ready(text) ? text : undefined;
    },
    10_000,
  );

const has = (text: string, name: string) => new RegExp(`^${name}(\\{[^}]*\\})? `, 'm').test(text);

describe('Redis state metrics', () => {
  it("export both clients' connection, the primary's memory against maxmemory and its linked replicas", async () => {
    const text = await scrape(journal.api.metricsUrl);
    expect(sample(text, 'journal_redis_connected', { client: 'writer' })).toBe(1);
    expect(sample(text, 'journal_redis_connected', { client: 'reader' })).toBe(1);
    const info = String(await journal.redis.primary.command('INFO', 'memory'));
    const used = Number(/used_memory:(\d+)/.exec(info)![1]);
    // used_memory moves a little between two reads (client buffers): same order of magnitude.
    expect(sample(text, 'journal_redis_memory_used_bytes')).toBeGreaterThan(used / 2);
    expect(sample(text, 'journal_redis_memory_used_bytes')).toBeLessThan(used * 2);
    expect(sample(text, 'journal_redis_memory_max_bytes')).toBe(64 * 1024 * 1024);
    expect(sample(text, 'journal_redis_replicas_connected')).toBe(1);
    expect(sample(text, 'journal_redis_replica_lag_bytes')).toBeGreaterThanOrEqual(0);
  });

  it('read the primary once per scrape, not once per gauge', async () => {
    const count = (text: string) => sample(text, 'journal_redis_command_duration_seconds_count', { client: 'writer', command: 'info' });
    // A scrape's own INFO may finish after the histogram was written out: it shows in the next one.
    const before = count(await scrape(journal.api.metricsUrl));
    for (let i = 0; i < 5; i++) await scrape(journal.api.metricsUrl);
    await new Promise((r) => setTimeout(r, 200));
    const after = count(await scrape(journal.api.metricsUrl));
    expect(after - before).toBeGreaterThanOrEqual(5);
    expect(after - before).toBeLessThanOrEqual(7); // four gauges reading it each would make 20 or more
  });

  it('count a replica whose link is down out, and show a primary that is down as such, without stale figures', async () => {
    await journal.redis.replica.stop();
    let text = await scrapeUntil('the primary to lose its replica', (t) => sample(t, 'journal_redis_replicas_connected') === 0);
    expect(sample(text, 'journal_redis_connected', { client: 'writer' })).toBe(1);
    await journal.redis.replica.start();
    await journal.redis.waitForSync();
    await scrapeUntil('the replica to be linked again', (t) => sample(t, 'journal_redis_replicas_connected') === 1);

    await journal.redis.primary.stop();
    text = await scrapeUntil('the writer to be down', (t) => sample(t, 'journal_redis_connected', { client: 'writer' }) === 0);
    for (const name of ['journal_redis_memory_used_bytes', 'journal_redis_memory_max_bytes', 'journal_redis_replicas_connected']) {
      expect(has(text, name)).toBe(false);
    }
    await journal.redis.primary.start();
    text = await scrapeUntil(
      'the writer to be back',
      (t) => sample(t, 'journal_redis_connected', { client: 'writer' }) === 1 && has(t, 'journal_redis_memory_used_bytes'),
    );
    expect(sample(text, 'journal_redis_memory_max_bytes')).toBe(0); // restarted without the CONFIG SET: no limit
  }, 40_000);
});
