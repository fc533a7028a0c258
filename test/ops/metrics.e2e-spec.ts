import { beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { ApiProcess, redisEnv } from '../support/api.js';
import { call, expectProblem } from '../support/http.js';
import { sample, scrape } from '../support/metrics.js';
import { freePort, waitFor } from '../support/ports.js';
import { useJournal } from '../support/journal.js';
import type { RedisPair } from '../support/redis.js';
import { UNINDEXED_KEY } from '../../src/journal/journal.store.js';

const HTTP = 'journal_http_request_duration_seconds_count';
const REDIS = 'journal_redis_command_duration_seconds_count';
const REDIS_ERRORS = 'journal_redis_command_errors_total';

let redis: RedisPair;
let api: ApiProcess;

const journal = useJournal();
beforeAll(() => {
  ({ redis, api } = journal);
});

/** Runs `action`, then returns how much each sample grew. Metrics are recorded after the response is sent: wait for them. */
async function growth(samples: [string, Record<string, string>][], action: () => Promise<void>, expected?: number[]): Promise<number[]> {
  // Earlier creates' search index batches (25 ms after each) are done: none counts here. (With the
  // primary stopped, none can run.)
  await waitFor('the search index to take earlier entries in', async () =>
    Number(await redis.primary.command('SCARD', UNINDEXED_KEY).catch(() => 0)) === 0 ? true : undefined,
  );
  await new Promise((resolve) => setTimeout(resolve, 100));
  const before = await scrape(api.metricsUrl);
  await action();
  let after = '';
  const deltas = () => samples.map(([name, labels]) => sample(after, name, labels) - sample(before, name, labels));
  await waitFor(
    'the metrics to be recorded',
    async () => {
      after = await scrape(api.metricsUrl);
      return deltas().every((delta, i) => delta >= (expected?.[i] ?? 0)) ? true : undefined;
    },
    3000,
  ).catch(() => undefined);
  return deltas();
}

describe('the metrics endpoint', () => {
  it('serves the Prometheus text format at /metrics on METRICS_PORT', async () => {
    const response = await fetch(api.metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('# TYPE journal_http_request_duration_seconds histogram');
    expect(text).toContain('# TYPE journal_redis_command_duration_seconds histogram');
    expect(text).toContain('# TYPE journal_redis_command_errors_total counter');
    expect((await fetch(api.metricsUrl.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('is not served on the API port, where the Gateway sends traffic', async () => {
    expectProblem(await call(api.url, 'GET', '/metrics'), 404);
  });

  it('exports the process and Node.js metrics under their standard names', async () => {
    const text = await scrape(api.metricsUrl);
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds_count',
    ]) {
      expect(text).toMatch(new RegExp(`^${name}(\\{[^}]*\\})? \\d`, 'm'));
    }
  });
});

describe('HTTP metrics', () => {
  it('count requests by method, route template and status, whatever the id or URL', async () => {
    const [created, found, missing, deleted, unmatched, badPage] = await growth(
      [
        [HTTP, { method: 'POST', route: '/api/entries', status: '201' }],
        [HTTP, { method: 'GET', route: '/api/entries/:id', status: '200' }],
        [HTTP, { method: 'GET', route: '/api/entries/:id', status: '404' }],
        [HTTP, { method: 'DELETE', route: '/api/entries/:id', status: '204' }],
        [HTTP, { method: 'GET', route: 'unmatched', status: '404' }],
        [HTTP, { method: 'GET', route: '/api/entries', status: '400' }],
      ],
      async () => {
        const ids: string[] = [];
        for (const text of ['one', 'two']) ids.push((await call(api.url, 'POST', '/api/entries', { text })).body.id);
        for (const id of ids) expect((await call(api.url, 'GET', `/api/entries/${id}`)).status).toBe(200);
        for (const id of ['999999', '1000000', '1000001']) expect((await call(api.url, 'GET', `/api/entries/${id}`)).status).toBe(404);
        expect((await call(api.url, 'DELETE', `/api/entries/${ids[0]}`)).status).toBe(204);
        for (const path of ['/nope', '/nope/2']) expect((await call(api.url, 'GET', path)).status).toBe(404);
        expect((await call(api.url, 'GET', '/api/entries?page=0')).status).toBe(400);
      },
      [2, 2, 3, 1, 2, 1],
    );
    expect({ created, found, missing, deleted, unmatched, badPage }).toEqual({
      created: 2,
      found: 2,
      missing: 3,
      deleted: 1,
      unmatched: 2,
      badPage: 1,
    });
  });

  it('time requests into the histogram buckets', async () => {
    const text = await scrape(api.metricsUrl);
    const labels = { method: 'POST', route: '/api/entries', status: '201' };
    const count = sample(text, HTTP, labels);
    expect(count).toBeGreaterThan(0);
    expect(sample(text, 'journal_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(count);
    expect(sample(text, 'journal_http_request_duration_seconds_sum', labels)).toBeGreaterThan(0);
  });
});

describe('Redis metrics', () => {
  it('time commands by client: writes on the writer, reads on the reader', async () => {
    const deltas = await growth(
      [
        [REDIS, { client: 'writer', command: 'evalsha' }],
        [REDIS, { client: 'writer', command: 'wait' }],
        [REDIS, { client: 'reader', command: 'evalsha' }],
        [REDIS, { client: 'reader', command: 'hget' }],
      ],
      async () => {
        await redis.waitForSync();
        const { id } = (await call(api.url, 'POST', '/api/entries', { text: 'timed' })).body;
        expect((await call(api.url, 'GET', '/api/entries')).status).toBe(200);
        expect((await call(api.url, 'GET', `/api/entries/${id}`)).status).toBe(200);
        expect((await call(api.url, 'DELETE', `/api/entries/${id}`)).status).toBe(204);
      },
      [3, 2, 1, 1],
    );
    // Three scripts on the writer (the create, the search indexer's batch that takes its words in,
    // and the delete, which checks the version in the same step) and two WAITs: a write is confirmed
    // by a replica before its answer.
    expect(deltas).toEqual([3, 2, 1, 1]);
  });

  it('name commands in lower case, however they were called', async () => {
    const text = await scrape(api.metricsUrl);
    expect(sample(text, REDIS, { client: 'writer', command: 'role' })).toBeGreaterThan(0); // call('ROLE') every second
    expect(text).not.toMatch(/command="[^"]*[A-Z]/);
  });

  it('count failed commands by client, and keep counting once Redis is back', async () => {
    await redis.primary.stop();
    try {
      const [writerErrors] = await growth(
        [[REDIS_ERRORS, { client: 'writer' }]],
        async () => {
          const reply = await call(api.url, 'POST', '/api/entries', { text: 'lost?' });
          expectProblem(reply, 503, 'storage-unavailable');
        },
        [1],
      );
      expect(writerErrors).toBeGreaterThanOrEqual(1);
    } finally {
      await redis.primary.start();
    }
    await waitFor('writes to work again', async () =>
      (await call(api.url, 'POST', '/api/entries', { text: 'back' })).status === 201 ? true : undefined,
    );
    const [writes] = await growth(
      [[REDIS, { client: 'writer', command: 'evalsha' }]],
      async () => {
        expect((await call(api.url, 'POST', '/api/entries', { text: 'counted' })).status).toBe(201);
      },
      [2],
    );
    expect(writes).toBe(2); // the create and its index batch
  });
});

describe('METRICS_PORT', () => {
  it('refuses to start, in one line, when the port is taken', async () => {
    const taken = createServer().listen(0, '0.0.0.0');
    await new Promise((resolve) => taken.once('listening', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const refused = await ApiProcess.spawn({ ...redisEnv(redis), PORT: String(await freePort()), METRICS_PORT: String(port) });
      expect(await refused.exited).toBe(1);
      expect(refused.output).toContain(`Invalid configuration: METRICS_PORT: port ${port} is already in use`);
      expect(refused.output).not.toMatch(/\n\s+at /);
    } finally {
      taken.close();
    }
  });
});
