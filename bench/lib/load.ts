import { Agent, get } from 'node:http';
import autocannon from 'autocannon';

export interface Load {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

/** The benchmarks' entry: about as long as a line people write in a journal (14 distinct words). */
export const TEXT = 'A benchmark entry, about as long as a line people write in a journal: today went well.';
export const CREATE: Load = { method: 'POST', path: '/api/entries', body: JSON.stringify({ text: TEXT }) };

export interface LoadResult {
  rps: number;
  requests: number;
  /** Latency percentiles in ms (autocannon records whole milliseconds). */
  p50: number;
  p99: number;
}

/** One autocannon run; any non-2xx answer or error fails it, so a broken server never scores. */
export async function drive(
  baseUrl: string,
  load: Load,
  options: { seconds: number; connections?: number; overallRate?: number },
): Promise<LoadResult> {
  const result = await autocannon({
    url: baseUrl + load.path,
    method: load.method,
    body: load.body,
    headers: load.body === undefined ? {} : { 'content-type': 'application/json' },
    connections: options.connections ?? 20,
    duration: options.seconds,
    overallRate: options.overallRate,
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) {
    throw new Error(
      `${load.method} ${load.path}: ${failed} of ${result.requests.total} requests failed ` +
        `(non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`,
    );
  }
  return { rps: result.requests.average, requests: result.requests.total, p50: result.latency.p50, p99: result.latency.p99 };
}

/**
 * `count` GETs one after another on one kept-alive connection, timed to the microsecond: the
 * latency of a request alone, without the queueing of concurrent load (and finer than autocannon).
 */
export async function sequentialLatency(baseUrl: string, path: string, count: number): Promise<{ p50: number; p99: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      await new Promise<void>((resolve, reject) => {
        get(baseUrl + path, { agent }, (res) => {
          res.resume().once('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`GET ${path}: ${res.statusCode}`))));
        }).once('error', reject);
      });
      samples.push(performance.now() - start);
    }
  } finally {
    agent.destroy();
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The middle value; with an even count, the mean of the two middle ones (with 2 rounds, not the better round). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
