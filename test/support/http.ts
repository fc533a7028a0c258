export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** One HTTP call; JSON bodies are sent as application/json unless `headers` say otherwise. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json', ...headers };
  }
  const res = await fetch(baseUrl + path, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** The RFC 9457 shape every error must have, with no stack trace in it. */
export function expectProblem(reply: Reply, status: number): void {
  const problem = reply.body;
  const ok =
    reply.status === status &&
    reply.headers.get('content-type')?.startsWith('application/problem+json') &&
    typeof problem?.type === 'string' &&
    typeof problem?.title === 'string' &&
    problem?.status === status &&
    typeof problem?.detail === 'string' &&
    problem.detail.length > 0 &&
    !/\n\s+at |Error:|ioredis|ECONNREFUSED/.test(reply.text);
  if (!ok) throw new Error(`expected a ${status} problem+json, got ${reply.status} ${reply.headers.get('content-type')}: ${reply.text}`);
}

/**
 * Sends a request twice at once while `replica` is hung (SIGSTOP; the caller resumes it). For a
 * create with an Idempotency-Key, the first to reach Redis stores the entry and waits in its WAIT
 * (REPLICA_WAIT_MS, then 503); the other meets it in flight (409). Sent together, rather than the
 * second after the first was seen in Redis, they meet there however slow the machine is.
 * The replies, sorted by status.
 */
export async function twiceWhileReplicaHung(replica: { pause(): void }, send: () => Promise<Reply>): Promise<[Reply, Reply]> {
  replica.pause();
  const replies = await Promise.all([send(), send()]);
  return replies.sort((a, b) => a.status - b.status) as [Reply, Reply];
}
