import { beforeAll, describe, expect, it } from '@jest/globals';
import { ApiProcess, redisEnv } from '../support/api.js';
import { call, expectProblem } from '../support/http.js';
import { waitFor } from '../support/ports.js';
import { useJournal } from '../support/journal.js';
import type { RedisPair } from '../support/redis.js';

interface LogLine {
  level: string;
  time: string;
  msg: string;
  [field: string]: unknown;
}

let redis: RedisPair;
let api: ApiProcess;

const journal = useJournal();
beforeAll(() => {
  ({ redis, api } = journal);
});

const lines = (process: ApiProcess): LogLine[] =>
  process.output
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LogLine);

/** The request's log line, written once the response has gone out. */
const logOf = (process: ApiProcess, requestId: string): Promise<LogLine[]> =>
  waitFor(`the log line of ${requestId}`, async () => {
    const found = lines(process).filter((line) => line.reqId === requestId);
    return found.length > 0 ? found : undefined;
  });

describe('request logs', () => {
  it('are one JSON line per request: method, route template, URL, status, duration, request id', async () => {
    const created = await call(api.url, 'POST', '/api/entries', { text: 'logged' });
    const reply = await call(api.url, 'GET', `/api/entries/${created.body.id}`, undefined, { 'x-request-id': 'trace-42' });
    expect(reply.headers.get('x-request-id')).toBe('trace-42');
    const logged = await logOf(api, 'trace-42');
    expect(logged).toHaveLength(1); // no separate "incoming request" line
    const [line] = logged;
    expect(line).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      reqId: 'trace-42',
      method: 'GET',
      route: '/api/entries/:id',
      url: `/api/entries/${created.body.id}`,
      status: 200,
      durationMs: expect.any(Number),
      ip: '127.0.0.1',
      msg: 'request completed',
    });
    expect(line!.durationMs as number).toBeGreaterThan(0);
  });

  it('make up a UUID when the caller sends no request id, or one too long or odd to log', async () => {
    for (const sent of [undefined, 'x'.repeat(129), 'two words', '{"level":"fatal"}']) {
      const reply = await call(api.url, 'GET', '/api/entries', undefined, sent === undefined ? {} : { 'x-request-id': sent });
      const id = reply.headers.get('x-request-id')!;
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect((await logOf(api, id))[0]).toMatchObject({ route: '/api/entries', status: 200 });
    }
  });

  it('carry the request id on problem responses too, and log 4xx at info', async () => {
    const reply = await call(api.url, 'POST', '/api/entries', '{"text": ', {
      'x-request-id': 'bad-json-1',
      'content-type': 'application/json',
    });
    expectProblem(reply, 400);
    expect(reply.headers.get('x-request-id')).toBe('bad-json-1');
    expect((await logOf(api, 'bad-json-1'))[0]).toMatchObject({ level: 'info', status: 400, route: '/api/entries' });
  });

  it('never contain the text of an entry or the Redis password', async () => {
    const secret = `diary-${Math.random().toString(36).slice(2)}`;
    await call(api.url, 'POST', '/api/entries', { text: secret }, { 'x-request-id': 'secret-1' });
    await call(api.url, 'POST', '/api/entries', { text: secret, extra: secret }, { 'x-request-id': 'secret-2' });
    await call(api.url, 'POST', '/api/entries', `{"text":"${secret}"`, { 'x-request-id': 'secret-3' });
    await call(api.url, 'GET', '/api/entries/1', undefined, {
      'x-request-id': 'secret-4',
      authorization: `Bearer ${secret}`,
      cookie: `s=${secret}`,
    });
    for (const id of ['secret-1', 'secret-2', 'secret-3', 'secret-4']) await logOf(api, id);
    expect(api.output).not.toContain(secret);
    expect(api.output).not.toContain(redis.password);
  });

  it('log successful probes at debug level only (every kubelet calls them every few seconds)', async () => {
    await call(api.url, 'GET', '/healthz/ready', undefined, { 'x-request-id': 'probe-1' });
    await call(api.url, 'GET', '/nope', undefined, { 'x-request-id': 'after-probe' });
    await logOf(api, 'after-probe');
    expect(lines(api).filter((line) => line.reqId === 'probe-1')).toEqual([]);
  });

  it('log failed probes as warnings, not errors: an unready pod is an answer, not an incident', async () => {
    await redis.replica.stop();
    try {
      const reply = await call(api.url, 'GET', '/healthz', undefined, { 'x-request-id': 'probe-down' });
      expectProblem(reply, 503);
      expect((await logOf(api, 'probe-down'))[0]).toMatchObject({ level: 'warn', status: 503, route: '/healthz' });
    } finally {
      await redis.replica.start();
    }
  });
});

describe('Nest and start-up logs', () => {
  it('are JSON lines too, with the Nest context', () => {
    expect(lines(api)).toContainEqual(
      expect.objectContaining({ level: 'info', context: 'NestApplication', msg: 'Nest application successfully started' }),
    );
  });
});

describe('LOG_LEVEL and LOG_FORMAT', () => {
  it('LOG_LEVEL=debug adds the probes; LOG_LEVEL=warn leaves out requests and start-up chatter', async () => {
    const debug = await ApiProcess.start({ ...redisEnv(redis), LOG_LEVEL: 'debug' });
    const warn = await ApiProcess.start({ ...redisEnv(redis), LOG_LEVEL: 'warn' });
    try {
      await call(debug.url, 'GET', '/healthz/live', undefined, { 'x-request-id': 'probe-2' });
      expect((await logOf(debug, 'probe-2'))[0]).toMatchObject({ level: 'debug', route: '/healthz/live', status: 200 });

      await call(warn.url, 'GET', '/api/entries', undefined, { 'x-request-id': 'quiet-1' });
      await call(warn.url, 'GET', '/api/entries', undefined, { 'x-request-id': 'quiet-2' });
      await call(debug.url, 'GET', '/api/entries', undefined, { 'x-request-id': 'loud-1' });
      await logOf(debug, 'loud-1'); // by now the warn API has had as long to write its lines
      expect(warn.output.split('\n').filter((line) => /"level":"(info|debug|trace)"/.test(line))).toEqual([]);
    } finally {
      await Promise.all([debug.stop(), warn.stop()]);
    }
  });

  it('LOG_FORMAT=pretty prints lines a person can read', async () => {
    const pretty = await ApiProcess.start({ ...redisEnv(redis), LOG_FORMAT: 'pretty' });
    try {
      await call(pretty.url, 'GET', '/api/entries', undefined, { 'x-request-id': 'pretty-1' });
      // pino-pretty: a headline, then one indented "key: value" line per field.
      const record = await waitFor('the pretty request record', async () => {
        const text = pretty.output.split('\n');
        const at = text.findIndex((l) => l === '    reqId: "pretty-1"');
        return at > 0 ? text.slice(at - 1, at + 8) : undefined;
      });
      expect(record[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: request completed$/);
      expect(record).toContain('    route: "/api/entries"');
      expect(record).toContain('    status: 200');
      expect(pretty.output.split('\n').some((l) => l.startsWith('{'))).toBe(false);
    } finally {
      await pretty.stop();
    }
  });
});

describe('server errors', () => {
  it('are logged at error level with the request id, and the client gets only the problem', async () => {
    await redis.stop(); // last test in this file: the pair does not come back
    const reply = await call(api.url, 'GET', '/api/entries', undefined, { 'x-request-id': 'outage-1' });
    expectProblem(reply, 503, 'storage-unavailable');
    expect((await logOf(api, 'outage-1'))[0]).toMatchObject({ level: 'error', status: 503, route: '/api/entries' });
  });
});
