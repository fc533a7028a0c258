import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { JournalConfig } from '../../src/config/journal.config.js';
import type { RedisConfig } from '../../src/config/redis.config.js';
import { MAX_BODY_BYTES } from '../../src/journal/entry.contract.js';
import { newEntrySchema, pageSchema } from '../../src/journal/entry.js';
import { JournalService } from '../../src/journal/journal.service.js';
import { JOURNAL_SCRIPTS, JournalStore, type Scripted } from '../../src/journal/journal.store.js';
import { SearchIndexer } from '../../src/journal/search-indexer.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { defineScripts } from '../../src/redis/redis-client.factory.js';
import { ProblemException } from '../../src/problem/problem.js';
import { ReplicaAcks } from '../../src/redis/replica-acks.js';
import { ReplicatedRedis } from '../../src/redis/replicated-redis.js';
import { FailoverFence } from '../../src/redis/failover-fence.js';
import { Replication } from '../../src/redis/replication.js';
import { SentinelView } from '../../src/redis/sentinel-view.js';

/**
 * The benchmark's baseline: the API contract on plain `node:http`, no framework. Below the routing
 * it runs the project's own JournalService and JournalStore, so both servers do the same Redis work
 * and the same JSON work, and a comparison measures only what the framework costs.
 */

const ENTRIES_PATH = '/api/entries';

export interface BaselineOptions {
  writer: Redis;
  reader: Redis;
  config: JournalConfig;
  /** `writer`: a URL here (no Sentinels), so neither the FailoverFence nor the SentinelView refuses. */
  redisConfig: Pick<RedisConfig, 'minReplicaAcks' | 'writer' | 'password'>;
}

export function createBaseline({ writer, reader, config, redisConfig }: BaselineOptions): Server {
  // What JournalModule's RedisModule.forFeature does.
  for (const client of [writer, reader]) defineScripts(client, JOURNAL_SCRIPTS);
  const replication = new Replication(writer, reader);
  const view = new SentinelView(redisConfig as RedisConfig);
  const acks = new ReplicaAcks(
    writer,
    replication,
    new FailoverFence(writer, view, redisConfig as RedisConfig),
    view,
    redisConfig as RedisConfig,
  );
  // The same Redis work as the API: its entries go into the search index in the background too.
  const indexer = new SearchIndexer(writer as Scripted, new Metrics());
  const journal = new JournalService(new JournalStore(new ReplicatedRedis(writer, reader, replication, acks), indexer), config);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);

    if (path === ENTRIES_PATH && req.method === 'GET') {
      const pages = new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1)).getAll('page');
      const page = validate(pageSchema, pages.length > 1 ? pages : pages[0]);
      return sendJsonText(res, 200, await journal.page(page, undefined));
    }
    if (path === ENTRIES_PATH && req.method === 'POST') {
      const { text } = validate(newEntrySchema, await readJsonBody(req));
      const { entry, etag } = await journal.create(text);
      return sendJson(res, 201, entry, { Location: `${ENTRIES_PATH}/${entry.id}`, ETag: etag });
    }
    if (path.startsWith(`${ENTRIES_PATH}/`)) {
      const id = decodeURIComponent(path.slice(ENTRIES_PATH.length + 1));
      if (req.method === 'GET') {
        const { entry, etag } = await journal.get(id, undefined);
        return sendJson(res, 200, entry, { ETag: etag });
      }
      if (req.method === 'DELETE') {
        await journal.delete(id, undefined);
        res.writeHead(204).end();
        return;
      }
    }
    if (path === '/healthz/ready' && req.method === 'GET') {
      const ready = writer.status === 'ready' || reader.status === 'ready';
      return sendJson(res, ready ? 200 : 503, { status: ready ? 'ok' : 'error' });
    }
    throw problem(404, 'Not found', `no route for ${req.method} ${path}`);
  }

  return createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      const known = error instanceof ProblemException ? error : undefined;
      if (!known) console.error(error);
      const failure = known ?? problem(500, 'Internal server error', 'Something went wrong on our side; it has been logged');
      sendJson(res, failure.getStatus(), failure.toProblem(), { ...failure.headers, 'Content-Type': 'application/problem+json' });
    });
  }).once('close', () => void indexer.onApplicationShutdown());
}

function problem(status: number, title: string, detail: string): ProblemException {
  return new ProblemException(status, title.toLowerCase().replaceAll(' ', '-'), title, detail);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

function sendJsonText(res: ServerResponse, status: number, json: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(json),
    ...headers,
  });
  res.end(json);
}

/** Standard Schema validation, as the API's pipe does it: every issue's message, joined. */
function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw problem(400, 'Bad request', result.error.issues.map((issue) => issue.message).join('; '));
  return result.data;
}

/** The body as JSON: only application/json, at most 64 KiB. */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json') {
    req.resume();
    throw problem(415, 'Unsupported media type', 'Content-Type must be application/json');
  }
  const body = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      // Answer now; the rest of the body is read and dropped so the connection stays usable.
      req.off('data', collect).resume();
      reject(problem(413, 'Payload too large', `the request body is larger than the ${MAX_BODY_BYTES / 1024} KiB limit`));
    };
    req
      .on('data', collect)
      .once('end', () => resolve(Buffer.concat(chunks)))
      .once('error', reject);
  });
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw problem(400, 'Bad request', 'the body is not valid JSON');
  }
}
