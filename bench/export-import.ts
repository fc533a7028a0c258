/**
 * Export and import at scale: `npm run bench:export-import [-- --count 1000000 --import-count 200000]`.
 * Preloads `count` entries into its own Redis primary + replica, starts the built API on them (as
 * the image runs it: NODE_ENV=production, the image's NODE_OPTIONS) and downloads the whole export,
 * sampling the API's VmRSS (/proc/PID/status) every 50 ms. Then imports the first `import-count`
 * lines of that file, streamed from disk, into a second, empty Redis pair through a second API,
 * sampled the same way; an import request that stops at 25 s (408) is followed by one with the rest
 * of the file, from the line after the last it read, as a client would. Prints a markdown table:
 * entries/s, MB/s, CPU seconds of the API and of the Redis nodes, the API's RSS before and at its
 * highest.
 */
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { UNINDEXED_KEY } from '../src/journal/journal.store.js';
import { ApiProcess, imageNodeOptions, redisEnv } from '../test/support/api.js';
import { waitFor } from '../test/support/ports.js';
import { startRedisPair, type RedisPair } from '../test/support/redis.js';
import { preloadEntries } from './lib/preload.js';

const { values: flags } = parseArgs({
  options: { count: { type: 'string', default: '1000000' }, 'import-count': { type: 'string', default: '200000' } },
});
const count = Number(flags.count);
const importCount = Math.min(count, Number(flags['import-count']));
const MB = 1e6;

/** VmRSS of `pid` in bytes. */
const rss = (pid: number) => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

/** CPU seconds (user + system) `pid` used so far. */
const cpu = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

interface Run {
  before: number;
  peak: number;
  seconds: number;
  /** CPU seconds of the API, the Redis primary and the replica. */
  apiCpu: number;
  primaryCpu: number;
  replicaCpu: number;
}

/**
 * Runs `work` while sampling the RSS of the API `pid`: the RSS before, the highest seen, the
 * seconds it took, and the CPU seconds the API and `redis`'s nodes used meanwhile.
 */
async function sampled<T>(pid: number, redis: RedisPair, work: () => Promise<T>): Promise<Run & { result: T }> {
  const before = rss(pid);
  const nodes = [redis.primary.pid!, redis.replica.pid!];
  const [apiCpu, primaryCpu, replicaCpu] = [cpu(pid), ...nodes.map(cpu)];
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, rss(pid))), 50);
  const started = performance.now();
  try {
    const result = await work();
    return {
      result,
      before,
      peak: Math.max(peak, rss(pid)),
      seconds: (performance.now() - started) / 1000,
      apiCpu: cpu(pid) - apiCpu,
      primaryCpu: cpu(nodes[0]!) - primaryCpu!,
      replicaCpu: cpu(nodes[1]!) - replicaCpu!,
    };
  } finally {
    clearInterval(timer);
  }
}

const startApi = (redis: RedisPair) =>
  ApiProcess.start({ ...redisEnv(redis), NODE_ENV: 'production', AUTH_MODE: 'off', LOG_LEVEL: 'warn', NODE_OPTIONS: imageNodeOptions() });

const dir = mkdtempSync(join(tmpdir(), 'journal-bench-'));
const source = await startRedisPair({ args: ['--maxmemory', '0'] });
let target: RedisPair | undefined;
const apis: ApiProcess[] = [];
try {
  console.error(`bench: preloading ${count} entries`);
  await preloadEntries(source, count);
  const exporter = await startApi(source);
  apis.push(exporter);
  // Warm up (first requests load code paths), so the RSS before is the API at rest.
  await (await fetch(`${exporter.url}/api/entries/export`)).text();

  console.error('bench: exporting');
  const exportFile = join(dir, 'export.ndjson');
  const exported = await sampled(exporter.child.pid!, source, async () => {
    const response = await fetch(`${exporter.url}/api/entries/export`);
    if (response.status !== 200) throw new Error(`export answered ${response.status}`);
    const file = createWriteStream(exportFile);
    let lines = 0;
    for await (const chunk of Readable.fromWeb(response.body! as never) as AsyncIterable<Buffer>) {
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
      if (!file.write(chunk)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
    }
    file.end();
    await finished(file);
    return lines;
  });
  if (exported.result !== count) throw new Error(`the export has ${exported.result} lines, not ${count}`);
  const exportBytes = statSync(exportFile).size;

  // The first importCount lines, into a file of their own.
  const importFile = join(dir, 'import.ndjson');
  const text = readFileSync(exportFile, 'utf8');
  let end = -1;
  for (let i = 0; i < importCount; i++) end = text.indexOf('\n', end + 1);
  const out = createWriteStream(importFile);
  out.end(text.slice(0, end + 1));
  await finished(out);
  const importBytes = statSync(importFile).size;
  await exporter.stop();
  apis.length = 0;

  console.error(`bench: importing ${importCount} entries (${(importBytes / MB).toFixed(1)} MB)`);
  target = await startRedisPair({ args: ['--maxmemory', '0'] });
  const importer = await startApi(target);
  apis.push(importer);
  await (
    await fetch(`${importer.url}/api/entries/import`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: '' })
  ).text();
  // Where each line starts: an import that stops at 25 s (408) is continued from the line after the last it read.
  const lineStarts = [0];
  for (let at = text.indexOf('\n'); at !== -1 && lineStarts.length < importCount; at = text.indexOf('\n', at + 1)) lineStarts.push(at + 1);
  const imported = await sampled(importer.child.pid!, target, async () => {
    const requests: { status: number; imported: number; seconds: number }[] = [];
    for (let line = 0; line < importCount;) {
      const started = performance.now();
      const response = await fetch(`${importer.url}/api/entries/import`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', 'content-length': String(importBytes - lineStarts[line]!) },
        body: Readable.toWeb(createReadStream(importFile, { start: lineStarts[line] })) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      const answer = JSON.parse(await response.text()) as { imported: number; lastLine: number; detail?: string };
      if (response.status !== 200 && response.status !== 408) throw new Error(`import answered ${response.status}: ${answer.detail}`);
      requests.push({ status: response.status, imported: answer.imported, seconds: (performance.now() - started) / 1000 });
      line = response.status === 200 ? importCount : line + answer.lastLine;
    }
    return { imported: requests.reduce((sum, request) => sum + request.imported, 0), requests };
  });
  if (imported.result.imported !== importCount) throw new Error(`imported ${imported.result.imported} of ${importCount}`);
  // Imported entries are found from the moment they are stored; the API fills the search index's word sets in the background.
  const indexed = await sampled(importer.child.pid!, target, () =>
    waitFor(
      'the search index to take the imported entries in',
      async () => (Number(await target!.primary.command('SCARD', UNINDEXED_KEY)) === 0 ? true : undefined),
      300_000,
    ),
  );

  const row = (name: string, entries: number, bytes: number, run: Run) =>
    `| ${name} | ${entries.toLocaleString('en')} | ${(bytes / MB).toFixed(1)} MB | ${run.seconds.toFixed(1)} s | ` +
    `${Math.round(entries / run.seconds).toLocaleString('en')} | ${(bytes / MB / run.seconds).toFixed(1)} | ` +
    `${run.apiCpu.toFixed(1)} / ${run.primaryCpu.toFixed(1)} / ${run.replicaCpu.toFixed(1)} s | ` +
    `${(run.before / MB).toFixed(0)} MB | ${(run.peak / MB).toFixed(0)} MB | **${((run.peak - run.before) / MB).toFixed(1)} MB** |`;
  console.log('| | entries | body | time | entries/s | MB/s | CPU: API / Redis primary / replica | API RSS before | highest | growth |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  console.log(row('export (GET /api/entries/export)', count, exportBytes, exported));
  console.log(row('import (POST /api/entries/import, NDJSON)', importCount, importBytes, imported));
  console.log(row('after the import, until the search index holds it all', importCount, importBytes, indexed));
  console.log(
    `\nimport requests: ${imported.result.requests
      .map(({ status, imported: count, seconds }) => `${status} (${count.toLocaleString('en')} entries in ${seconds.toFixed(1)} s)`)
      .join(', ')}`,
  );
} finally {
  await Promise.all(apis.map((api) => api.stop()));
  await Promise.all([source.stop(), target?.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
