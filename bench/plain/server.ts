import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';

/**
 * The benchmark's plain baseline: the journal API written the straightforward way on node:http
 * and ioredis, sharing no code with the project (bench/baseline shares its store, so it cannot
 * show a flaw there). The same Redis work: a create is one script (INCR + ZADD), then, after its
 * reply, a WAIT for the replica; lists and gets read the replica.
 */

// Its own keys: the project's API takes entries under the earlier model's key names (journal:entries)
// into its current model, and would move this server's entries away during a run.
const ENTRIES = 'plain:entries';
const NEXT_ID = 'plain:next-id';
const MAX_BODY_BYTES = 64 * 1024;
const MAX_TEXT = 10_000;
const WAIT_MS = 250;

const CREATE = `local id = redis.call('INCR', KEYS[2])
local entry = '{"id":"' .. id .. '",' .. ARGV[1]
redis.call('ZADD', KEYS[1], id, entry)
return entry`;
const PAGE = `#!lua flags=no-writes
return { redis.call('ZCARD', KEYS[1]), redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2], 'REV') }`;

type Scripted = Redis & {
  create(entries: string, nextId: string, rest: string): Promise<string>;
  page(entries: string, start: number, stop: number): Promise<[number, string[]]>;
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export interface PlainOptions {
  writer: Redis;
  reader: Redis;
  pageSize: number;
  /** Replicas a write waits for (WAIT) and needs before it is acknowledged. */
  replicas: number;
}

export function createPlainServer({ writer, reader, pageSize, replicas }: PlainOptions): Server {
  for (const client of [writer, reader]) {
    client.defineCommand('create', { numberOfKeys: 2, lua: CREATE });
    client.defineCommand('page', { numberOfKeys: 1, lua: PAGE, readOnly: true });
  }
  const [primary, replica] = [writer as Scripted, reader as Scripted];

  async function replicated(): Promise<void> {
    if ((await primary.wait(replicas, WAIT_MS)) < replicas) {
      throw new HttpError(503, 'not confirmed by the replicas; it may or may not have been stored', { 'Retry-After': '1' });
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const id = /^\/api\/entries\/([1-9]\d{0,15})$/.exec(url.pathname)?.[1];
    if (url.pathname === '/api/entries' && req.method === 'POST') {
      const text = validText(await readJson(req));
      const entry = await primary.create(ENTRIES, NEXT_ID, JSON.stringify({ text, createdAt: new Date().toISOString() }).slice(1));
      await replicated();
      const parsed = JSON.parse(entry) as { id: string };
      return send(res, 201, JSON.stringify(parsed), { Location: `/api/entries/${parsed.id}` });
    }
    if (url.pathname === '/api/entries' && req.method === 'GET') {
      const pageParam = url.searchParams.getAll('page');
      const page = pageParam.length === 0 ? 1 : pageParam.length === 1 && /^[1-9]\d{0,8}$/.test(pageParam[0]) ? Number(pageParam[0]) : 0;
      if (page === 0) throw new HttpError(400, 'page must be a whole number from 1, given once');
      const [total, entries] = await replica.page(ENTRIES, (page - 1) * pageSize, page * pageSize - 1);
      return send(res, 200, JSON.stringify({ entries: entries.map((entry) => JSON.parse(entry)), page, pageSize, total }));
    }
    if (id && req.method === 'GET') {
      const [entry] = await replica.zrange(ENTRIES, id, id, 'BYSCORE');
      if (!entry) throw new HttpError(404, 'no such entry');
      return send(res, 200, JSON.stringify(JSON.parse(entry)));
    }
    if (id && req.method === 'DELETE') {
      if ((await primary.zremrangebyscore(ENTRIES, id, id)) !== 1) throw new HttpError(404, 'no such entry');
      await replicated();
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === '/healthz/ready' && req.method === 'GET') {
      const ready = writer.status === 'ready' || reader.status === 'ready';
      return send(res, ready ? 200 : 503, JSON.stringify({ status: ready ? 'ok' : 'error' }));
    }
    throw new HttpError(404, 'not found');
  }

  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const known = error instanceof HttpError ? error : new HttpError(503, 'storage unavailable', { 'Retry-After': '1' });
      const body = JSON.stringify({ type: 'about:blank', title: 'Error', status: known.status, detail: known.message });
      send(res, known.status, body, { ...known.headers, 'Content-Type': 'application/problem+json' });
    });
  });
}

function send(res: ServerResponse, status: number, json: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json), ...headers });
  res.end(json);
}

function validText(body: unknown): string {
  const fields = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body) : [];
  const text = (body as { text?: unknown } | null)?.text;
  if (fields.length !== 1 || typeof text !== 'string' || text.trim() === '' || !text.isWellFormed() || [...text].length > MAX_TEXT) {
    throw new HttpError(400, `the body must be {"text": "..."}: not blank, at most ${MAX_TEXT} characters`);
  }
  return text;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
    req.resume();
    throw new HttpError(415, 'Content-Type must be application/json');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'body over 64 KiB');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}
