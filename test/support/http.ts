import { connect } from 'node:net';

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/**
 * One HTTP call; JSON bodies are sent as application/json unless `headers` say otherwise. A
 * ReadableStream body is sent as it comes (chunked), and may take up to a minute.
 */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const init: RequestInit & { duplex?: 'half' } = { method, headers: { ...headers } };
  const streamed = body instanceof ReadableStream;
  if (body !== undefined) {
    init.body = streamed || typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json', ...headers };
    if (streamed) init.duplex = 'half';
  }
  const res = await fetch(baseUrl + path, { ...init, signal: AbortSignal.timeout(streamed ? 60_000 : 10_000) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

const PROBLEM_TYPES = 'https://journal.example/problems/';

/**
 * The storage problems word for word: whatever failed inside (an ioredis message, a host, a
 * replica count), a client gets only these fixed texts.
 */
const STORAGE_PROBLEMS: Record<string, { title: string; detail: string }> = {
  'storage-unavailable': {
    title: 'Storage unavailable',
    detail: 'The journal cannot reach its storage right now; try again in a moment',
  },
  'write-not-confirmed': {
    title: 'Write not confirmed',
    detail:
      'Too few storage replicas confirmed this write in time, so it may or may not have been stored; ' +
      'try again in a moment (a create with the same Idempotency-Key never stores it twice)',
  },
  'storage-full': {
    title: 'Storage full',
    detail: 'The journal has no room for new entries; nothing was stored. Reading and deleting entries still work',
  },
};

/**
 * The RFC 9457 shape every error must have, with no stack trace in it; a storage problem with its
 * fixed title and detail. `types`: the problem types allowed (their last path segment), if only some are.
 */
export function expectProblem(reply: Reply, status: number, types?: string | string[]): void {
  const problem = reply.body;
  const slug =
    typeof problem?.type === 'string' && problem.type.startsWith(PROBLEM_TYPES) ? problem.type.slice(PROBLEM_TYPES.length) : undefined;
  const fixed = slug === undefined ? undefined : STORAGE_PROBLEMS[slug];
  const ok =
    reply.status === status &&
    reply.headers.get('content-type')?.startsWith('application/problem+json') &&
    typeof problem?.type === 'string' &&
    typeof problem?.title === 'string' &&
    problem?.status === status &&
    typeof problem?.detail === 'string' &&
    problem.detail.length > 0 &&
    !/\n\s+at |Error:|ioredis|ECONNREFUSED/.test(reply.text) &&
    (types === undefined || [types].flat().includes(slug!)) &&
    (fixed === undefined || (problem.title === fixed.title && problem.detail === fixed.detail));
  if (!ok) {
    const wanted = types === undefined ? '' : ` (${[types].flat().join(' or ')})`;
    throw new Error(`expected a ${status} problem+json${wanted}, got ${reply.status} ${reply.headers.get('content-type')}: ${reply.text}`);
  }
}

/**
 * Sends a request twice at once while `replica` is hung (SIGSTOP; the caller resumes it). For a
 * create with an Idempotency-Key, the first to reach Redis stores the entry and waits in its WAIT
 * (REDIS_TIMING.replicaWaitMs, then 503); the other meets it in flight (409). Sent together, rather than the
 * second after the first was seen in Redis, they meet there however slow the machine is.
 * The replies, sorted by status.
 */
export async function twiceWhileReplicaHung(replica: { pause(): void }, send: () => Promise<Reply>): Promise<[Reply, Reply]> {
  replica.pause();
  const replies = await Promise.all([send(), send()]);
  return replies.sort((a, b) => a.status - b.status) as [Reply, Reply];
}

/**
 * A request written to a socket exactly as given (`fetch` would merge repeated headers or refuse
 * odd ones), from `localAddress` if given (another loopback address is another client). The
 * server's answer, read until it closes the connection (send `Connection: close`).
 */
export async function rawCall(baseUrl: string, request: string, localAddress?: string): Promise<Reply> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect({ host: hostname, port: Number(port), localAddress });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.write(request);
  await new Promise<void>((resolve, reject) => {
    socket.once('close', () => resolve());
    socket.once('error', reject);
    socket.setTimeout(10_000, () => reject(new Error(`no answer within 10 s to ${JSON.stringify(request.split('\r\n')[0])}`)));
  });
  const response = Buffer.concat(chunks).toString('utf8');
  const [head = '', text = ''] = response.split(/\r\n\r\n(.*)/s);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = new Headers(
    lines.map((line): [string, string] => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
  );
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body, text };
}
