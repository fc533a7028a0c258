/**
 * The benchmark (docs/benchmarks.md): `npm run bench [-- --rounds 3 --seconds 10 --soak 300 --only a,b]`.
 * Starts its own Redis primary + replica, the project's API (`node dist/main.js`), the raw
 * node:http baseline over the project's store and the independent plain baseline, measures,
 * prints markdown and writes it to bench/results/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiProcess, imageNodeOptions, passwordFile, redisEnv } from '../test/support/api.js';
import { call } from '../test/support/http.js';
import { freePort } from '../test/support/ports.js';
import { startRedisPair, type RedisPair } from '../test/support/redis.js';
import { CREATE, drive, median, sequentialLatency, TEXT, type Load, type LoadResult } from './lib/load.js';
import { preloadEntries } from './lib/preload.js';
import { commandCalls, redisCpuUs, startRoundTripCounter } from './lib/redis-work.js';

const root = resolve(import.meta.dirname, '../../..');
/**
 * project: the API. baseline: the API contract on plain node:http over the project's own service
 * and store (what the framework costs). plain: an independent node:http + ioredis server with its
 * own straightforward store (what the project's store costs, too).
 */
type ServerName = 'project' | 'baseline' | 'plain';
const ALL = ['project', 'baseline', 'plain'] as const;
const PAGE_SIZE = 10;
const CONNECTIONS = 20;
const SECTIONS = ['startup', 'throughput', 'redis', 'scaling', 'soak'] as const;

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    soak: { type: 'string', default: '300' },
    only: { type: 'string', default: SECTIONS.join(',') },
    // To measure a proposed setting or build of the project API, e.g. "--max-old-space-size=96".
    'node-options': { type: 'string', default: imageNodeOptions() },
    main: { type: 'string', default: 'dist/main.js' },
    // Settings for the project API only, e.g. "--env LOG_LEVEL=warn" to see what its request log costs.
    env: { type: 'string', multiple: true, default: [] },
  },
});
const rounds = Number(flags.rounds);
const seconds = Number(flags.seconds);
const soakSeconds = Number(flags.soak);
const only = new Set(flags.only.split(','));
const projectEnv = Object.fromEntries(
  flags.env.map((setting) => {
    const at = setting.indexOf('=');
    if (at < 1) throw new Error(`--env ${setting}: expected NAME=value`);
    return [setting.slice(0, at), setting.slice(at + 1)];
  }),
);
const SERVERS: Record<ServerName, string> = {
  project: flags.main,
  baseline: 'bench/dist/bench/baseline/main.js',
  plain: 'bench/dist/bench/plain/main.js',
};

const LIST: Load = { method: 'GET', path: '/api/entries?page=1' };

const report: string[] = [];
const data: Record<string, unknown> = {};
const targets: { target: string; measured: string; met: boolean }[] = [];

function out(markdown: string): void {
  console.log(markdown);
  report.push(markdown);
}

const progress = (line: string) => console.error(`bench: ${line}`);
const ms = (value: number) => value.toFixed(value < 10 ? 2 : 1);
const mb = (kib: number) => ((kib * 1024) / 1e6).toFixed(0);

function table(header: string[], rows: (string | number)[][]): string {
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** VmRSS and VmHWM (peak) of a process, in KiB. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

const CLOCK_TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** CPU time (user + system) a process has used so far, in ms. */
function cpuMs(pid: number): number {
  // Fields after the ")" that ends the command name: utime and stime are the 12th and 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}

function serverEnv(redis: RedisPair): Record<string, string> {
  return { ...redisEnv(redis), JOURNAL_ENTRIES: String(PAGE_SIZE), NODE_ENV: 'production' };
}

/** All run with the image's NODE_OPTIONS (V8 sizing is not framework cost); --node-options and --env change the project's. */
function withNodeOptions(name: ServerName, env: Record<string, string>): Record<string, string> {
  return name === 'project' ? { ...env, ...projectEnv, NODE_OPTIONS: flags['node-options'] } : { ...env, NODE_OPTIONS: imageNodeOptions() };
}

/** Logs go to files, as a container runtime keeps them: the project logs one line per request (LOG_LEVEL=info). */
const logDir = mkdtempSync(join(tmpdir(), 'journal-bench-logs-'));
const start = (name: ServerName, env: Record<string, string>) =>
  ApiProcess.start(withNodeOptions(name, env), { cwd: root, main: SERVERS[name], logFile: join(logDir, `${name}.log`) });

async function startAll(redis: RedisPair): Promise<Record<ServerName, ApiProcess>> {
  return {
    project: await start('project', serverEnv(redis)),
    baseline: await start('baseline', serverEnv(redis)),
    plain: await start('plain', serverEnv(redis)),
  };
}

async function stopAll(servers: ApiProcess[]): Promise<void> {
  await Promise.all(servers.map((server) => server.stop()));
}

/** Spawn to the first 200 from /healthz/ready, polled every 5 ms. */
async function spawnToReady(name: ServerName, env: Record<string, string>): Promise<number> {
  const ports = { PORT: String(await freePort()), METRICS_PORT: String(await freePort()) };
  const started = performance.now();
  const server = await ApiProcess.spawn(withNodeOptions(name, { ...env, ...ports }), { cwd: root, main: SERVERS[name] });
  try {
    while (server.child.exitCode === null) {
      const res = await fetch(`${server.url}/healthz/ready`).catch(() => undefined);
      if (res?.status === 200) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`${name} exited before it was ready: ${server.output}`);
  } finally {
    await server.stop();
  }
}

async function startup(redis: RedisPair): Promise<void> {
  const times: Record<'project' | 'baseline', number[]> = { project: [], baseline: [] };
  for (let i = 0; i < 5; i++) {
    for (const name of ['project', 'baseline'] as const) times[name].push(await spawnToReady(name, serverEnv(redis)));
  }
  progress(`startup ${JSON.stringify(times)}`);
  data.startup = times;
  out('### Start-up: spawn to first 200 from /healthz/ready (5 spawns each)\n');
  out(
    table(
      ['server', 'median ms', 'min ms', 'max ms'],
      (['project', 'baseline'] as const).map((name) => [
        name,
        ms(median(times[name])),
        ms(Math.min(...times[name])),
        ms(Math.max(...times[name])),
      ]),
    ),
  );
  targets.push({ target: 'ready within 1 s of spawn', measured: `${ms(median(times.project))} ms`, met: median(times.project) <= 1000 });
}

async function throughput(servers: Record<ServerName, ApiProcess>, redis: RedisPair): Promise<void> {
  const loads = { 'GET /api/entries?page=1': LIST, 'POST /api/entries': CREATE };
  const redisCpu = async () => ({ primary: await redisCpuUs(redis.primary), replica: await redisCpuUs(redis.replica) });
  progress('warming up (JIT, connections, scripts)');
  for (const load of Object.values(loads)) {
    for (const server of Object.values(servers)) await drive(server.url, load, { seconds: 3 });
  }
  // CPU per request is the server's own cost: unlike req/s it hardly moves when other work shares the machine.
  const results: Record<
    string,
    Record<ServerName, (LoadResult & { cpuUsPerRequest: number; redisCpuUs: { primary: number; replica: number } })[]>
  > = {};
  for (const [endpoint, load] of Object.entries(loads)) {
    results[endpoint] = { project: [], baseline: [], plain: [] };
    for (let round = 1; round <= rounds; round++) {
      // Alternating A B C A B C spreads slow drift and other load on the machine over the servers.
      for (const name of ALL) {
        const cpuBefore = cpuMs(servers[name].child.pid!);
        const redisBefore = await redisCpu();
        const result = await drive(servers[name].url, load, { seconds });
        // Each process's share of the requests, the project's search indexer included: it finishes its batches within 100 ms.
        await new Promise((r) => setTimeout(r, 100));
        const cpuUsPerRequest = ((cpuMs(servers[name].child.pid!) - cpuBefore) * 1000) / result.requests;
        const redisAfter = await redisCpu();
        const redisCpuUs = {
          primary: (redisAfter.primary - redisBefore.primary) / result.requests,
          replica: (redisAfter.replica - redisBefore.replica) / result.requests,
        };
        results[endpoint][name].push({ ...result, cpuUsPerRequest, redisCpuUs });
        progress(
          `${endpoint} round ${round} ${name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, CPU ${cpuUsPerRequest.toFixed(0)} µs/request, ` +
            `Redis ${redisCpuUs.primary.toFixed(0)} / ${redisCpuUs.replica.toFixed(0)} µs/request`,
        );
      }
    }
  }
  data.throughput = results;
  out(`### Throughput: ${CONNECTIONS} connections, ${rounds} rounds of ${seconds} s per server, alternating; medians over rounds\n`);
  const rows: (string | number)[][] = [];
  for (const [endpoint, byServer] of Object.entries(results)) {
    const rps = (name: ServerName) => median(byServer[name].map((r) => r.rps));
    const p99 = (name: ServerName) => median(byServer[name].map((r) => r.p99));
    const ratio = rps('project') / rps('baseline');
    const plainRatio = rps('project') / rps('plain');
    for (const name of ALL) {
      rows.push([
        endpoint,
        name,
        rps(name).toFixed(0),
        median(byServer[name].map((r) => r.p50)),
        p99(name),
        median(byServer[name].map((r) => r.cpuUsPerRequest)).toFixed(0),
        `${median(byServer[name].map((r) => r.redisCpuUs.primary)).toFixed(0)} / ${median(byServer[name].map((r) => r.redisCpuUs.replica)).toFixed(0)}`,
        name === 'project' ? ratio.toFixed(2) : '',
        name === 'project' ? plainRatio.toFixed(2) : '',
      ]);
    }
    targets.push({ target: `${endpoint} throughput ≥ 0.85 × baseline`, measured: `${ratio.toFixed(2)} ×`, met: ratio >= 0.85 });
    targets.push({
      target: `${endpoint} throughput ≥ 0.85 × plain baseline`,
      measured: `${plainRatio.toFixed(2)} ×`,
      met: plainRatio >= 0.85,
    });
    // The framework-only baseline runs the project's store: against the plain one, a flaw in the store shows.
    const storeRatio = rps('baseline') / rps('plain');
    targets.push({
      target: `${endpoint} throughput of the project's store (baseline) ≥ 0.85 × plain baseline's`,
      measured: `${storeRatio.toFixed(2)} ×`,
      met: storeRatio >= 0.85,
    });
    if (endpoint.startsWith('POST')) {
      targets.push({
        target: `${endpoint} p99 ≤ plain baseline's`,
        measured: `${p99('project')} ms vs ${p99('plain')} ms`,
        met: p99('project') <= p99('plain'),
      });
    }
  }
  out(
    table(
      [
        'endpoint',
        'server',
        'req/s',
        'p50 ms',
        'p99 ms',
        'server CPU µs/request',
        'Redis CPU µs/request (primary / replica)',
        'project/baseline req/s',
        'project/plain req/s',
      ],
      rows,
    ),
  );

  const memories = { project: memory(servers.project.child.pid!), baseline: memory(servers.baseline.child.pid!) };
  data.memoryAfterLoad = memories;
  out('\n### Memory right after the throughput runs\n');
  out(
    table(
      ['server', 'RSS MB', 'peak RSS (VmHWM) MB'],
      (['project', 'baseline'] as const).map((name) => [name, mb(memories[name].rss), mb(memories[name].peak)]),
    ),
  );
  targets.push({
    target: 'RSS under load ≤ 150 MB',
    measured: `${mb(memories.project.rss)} MB (peak ${mb(memories.project.peak)} MB)`,
    met: memories.project.peak * 1024 <= 150e6,
  });
}

/**
 * Commands per request from INFO commandstats (CONFIG RESETSTAT before each endpoint) on both
 * nodes, and round trips counted by proxies between the server and Redis.
 */
async function redisWork(redis: RedisPair): Promise<void> {
  const requests = 200;
  const rows: (string | number)[][] = [];
  const measured: Record<string, unknown> = {};
  for (const name of ALL) {
    const proxies = { primary: await startRoundTripCounter(redis.primary), replica: await startRoundTripCounter(redis.replica) };
    const server = await start(name, {
      REDIS_WRITE_URL: `redis://127.0.0.1:${proxies.primary.port}`,
      REDIS_READ_URL: `redis://127.0.0.1:${proxies.replica.port}`,
      REDIS_PASSWORD_FILE: passwordFile(redis.password),
      JOURNAL_ENTRIES: String(PAGE_SIZE),
      NODE_ENV: 'production',
    });
    try {
      const ids: string[] = [];
      const create = async () => {
        const reply = await call(server.url, 'POST', '/api/entries', { text: TEXT });
        if (reply.status !== 201) throw new Error(`POST: ${reply.status} ${reply.text}`);
        ids.push(reply.body.id);
      };
      const expect = (status: number) => async (method: string, path: string) => {
        const reply = await call(server.url, method, path);
        if (reply.status !== status) throw new Error(`${method} ${path}: ${reply.status} ${reply.text}`);
      };
      const endpoints: [string, (i: number) => Promise<void>][] = [
        ['list (GET page 1)', () => expect(200)('GET', '/api/entries?page=1')],
        ['get (GET /:id)', (i) => expect(200)('GET', `/api/entries/${ids[i]}`)],
        ['delete (DELETE /:id)', (i) => expect(204)('DELETE', `/api/entries/${ids[i]}`)],
        ['create (POST)', create],
      ];
      // Warm-up: connections made, scripts loaded, so the counts are the steady state.
      for (let i = 0; i < requests + 5; i++) await create();
      for (const [, run] of endpoints.slice(0, 2)) for (let i = 0; i < 5; i++) await run(i);

      for (const [endpoint, run] of endpoints) {
        await Promise.all([redis.primary.command('CONFIG', 'RESETSTAT'), redis.replica.command('CONFIG', 'RESETSTAT')]);
        const before = proxies.primary.roundTrips + proxies.replica.roundTrips;
        const cpuBefore = { primary: await redisCpuUs(redis.primary), replica: await redisCpuUs(redis.replica) };
        for (let i = 0; i < requests; i++) await run(i);
        const roundTrips = (proxies.primary.roundTrips + proxies.replica.roundTrips - before) / requests;
        // Each node's CPU for the requests, plus its idle work meanwhile and the harness' two INFO calls (a new connection each): a few µs per request.
        const cpu = {
          primary: ((await redisCpuUs(redis.primary)) - cpuBefore.primary) / requests,
          replica: ((await redisCpuUs(redis.replica)) - cpuBefore.replica) / requests,
        };
        const calls = { primary: await commandCalls(redis.primary), replica: await commandCalls(redis.replica) };
        const perRequest = (node: keyof typeof calls) =>
          [...calls[node]]
            .sort(([, a], [, b]) => b - a)
            .map(([command, n]) => `${command} ${(n / requests).toFixed(2)}`)
            .join(', ');
        measured[`${name} ${endpoint}`] = { roundTrips, primary: perRequest('primary'), replica: perRequest('replica'), cpuUs: cpu };
        rows.push([
          endpoint,
          name,
          perRequest('primary'),
          perRequest('replica'),
          roundTrips.toFixed(2),
          `${cpu.primary.toFixed(0)} / ${cpu.replica.toFixed(0)}`,
        ]);
        if (name === 'project') {
          // Writes: the command, then the WAIT that confirms it (docs/adr/0005), after its reply.
          const limit = endpoint.startsWith('create') || endpoint.startsWith('delete') ? 2 : 1;
          targets.push({
            target: `${endpoint.split(' ')[0]}: ≤ ${limit} Redis round trip${limit > 1 ? 's' : ''}`,
            measured: roundTrips.toFixed(2),
            met: roundTrips <= limit,
          });
        }
      }
    } finally {
      await server.stop();
      proxies.primary.close();
      proxies.replica.close();
    }
  }
  data.redisWork = measured;
  out(`\n### Redis work per request (${requests} sequential requests per endpoint)\n`);
  out(
    'Calls per request from `INFO commandstats` deltas on each node. They include what a command causes inside Redis: ' +
      'the commands a Lua script runs (`zcard` and `zrange` in the page script, `incr` and `zadd` in the create script, under `evalsha`), ' +
      'the writes the replica applies from the replication stream (`multi`/`incr`/`zadd`/`exec`, `zremrangebyscore`) and the ' +
      '`replconf` acknowledgements a `wait` asks for. Round trips are counted on the wire by a proxy between the server and each node. ' +
      "Redis CPU per request is each node's `used_cpu_user` + `used_cpu_sys` delta (creates carry the throughput run's text).\n",
  );
  out(
    table(['endpoint', 'server', 'calls on the primary', 'calls on the replica', 'round trips', 'Redis CPU µs, primary / replica'], rows),
  );
}

async function scaling(): Promise<void> {
  const sizes = [1_000, 1_000_000];
  const requests = 1000;
  const setups: { size: number; redis: RedisPair; api: ApiProcess }[] = [];
  try {
    for (const size of sizes) {
      const redis = await startRedisPair();
      progress(`preloading ${size} entries`);
      const started = performance.now();
      await preloadEntries(redis, size);
      progress(`preloaded ${size} entries in ${ms((performance.now() - started) / 1000)} s`);
      setups.push({ size, redis, api: await start('project', serverEnv(redis)) });
    }
    const pages = { 'page 1': () => 1, 'middle page': (size: number) => Math.floor(size / PAGE_SIZE / 2) };
    const results: Record<string, Record<number, { p50: number; p99: number }[]>> = {};
    // Warm-up (JIT, connections) before anything is timed.
    for (const { api, size } of setups) {
      for (const pageOf of Object.values(pages)) await sequentialLatency(api.url, `/api/entries?page=${pageOf(size)}`, 500);
    }
    for (const [pageName, pageOf] of Object.entries(pages)) {
      results[pageName] = { [sizes[0]]: [], [sizes[1]]: [] };
      for (let round = 1; round <= rounds; round++) {
        for (const { size, api } of setups) {
          results[pageName][size].push(await sequentialLatency(api.url, `/api/entries?page=${pageOf(size)}`, requests));
        }
      }
    }
    data.scaling = results;
    out(`\n### List latency by journal size (project API, ${requests} sequential requests × ${rounds} rounds, alternating; medians)\n`);
    const rows: (string | number)[][] = [];
    for (const [pageName, bySize] of Object.entries(results)) {
      const p50 = (size: number) => median(bySize[size].map((r) => r.p50));
      const ratio = p50(sizes[1]) / p50(sizes[0]);
      rows.push([pageName, ...sizes.flatMap((size) => [ms(p50(size)), ms(median(bySize[size].map((r) => r.p99)))]), ratio.toFixed(2)]);
      targets.push({ target: `${pageName} latency at 1M ≤ 1.2 × at 1k`, measured: `${ratio.toFixed(2)} ×`, met: ratio <= 1.2 });
    }
    out(table(['page', '1k p50 ms', '1k p99 ms', '1M p50 ms', '1M p99 ms', '1M/1k p50'], rows));
    out(
      `\nThe middle page is page ${pages['middle page'](sizes[0])} at 1k and page ${pages['middle page'](sizes[1])} at 1M (offset ${sizes[1] / 2 - PAGE_SIZE}).`,
    );
  } finally {
    for (const { api, redis } of setups) {
      await api.stop();
      await redis.stop();
    }
  }
}

async function soak(api: ApiProcess): Promise<void> {
  // A read-heavy mix well below capacity: the question is whether memory and latency stay flat.
  const rates = { list: 400, create: 100 };
  const window = Math.min(30, soakSeconds);
  const samples: { at: number; rss: number; listP99: number; createP99: number }[] = [];
  for (let at = window; at <= soakSeconds; at += window) {
    const [list, create] = await Promise.all([
      drive(api.url, LIST, { seconds: window, connections: 10, overallRate: rates.list }),
      drive(api.url, CREATE, { seconds: window, connections: 10, overallRate: rates.create }),
    ]);
    samples.push({ at, rss: memory(api.child.pid!).rss, listP99: list.p99, createP99: create.p99 });
    progress(`soak ${at} s: ${JSON.stringify(samples.at(-1))}`);
  }
  data.soak = { rates, samples };
  out(`\n### Soak: ${soakSeconds} s at a fixed ${rates.list} GET page 1 + ${rates.create} POST per second, sampled every ${window} s\n`);
  out(
    table(
      ['time s', 'RSS MB', 'GET p99 ms', 'POST p99 ms'],
      samples.map((s) => [s.at, mb(s.rss), s.listP99, s.createP99]),
    ),
  );
}

function machine(): string {
  const redisVersion = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1];
  return [
    `- date: ${new Date().toISOString()}`,
    `- machine: ${availableParallelism()} cores (\`nproc\`), ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM`,
    `- node ${process.version}, redis-server ${redisVersion}; load average at start ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    `- command: \`npm run bench -- --rounds ${rounds} --seconds ${seconds} --soak ${soakSeconds} --only ${[...only].join(',')}` +
      `${flags['node-options'] !== imageNodeOptions() ? ` --node-options="${flags['node-options']}"` : ''}${flags.main === 'dist/main.js' ? '' : ` --main ${flags.main}`}` +
      `${flags.env.map((setting) => ` --env ${setting}`).join('')}\``,
  ].join('\n');
}

async function main(): Promise<void> {
  out(`## Benchmark run\n\n${machine()}\n`);
  const redis = await startRedisPair();
  const servers: ApiProcess[] = [];
  try {
    if (only.has('startup')) await startup(redis);
    if (only.has('throughput') || only.has('soak')) {
      await preloadEntries(redis, 1000);
      const both = await startAll(redis);
      servers.push(...Object.values(both));
      if (only.has('throughput')) await throughput(both, redis);
      if (only.has('soak')) await soak(both.project);
      await stopAll(servers.splice(0));
    }
    if (only.has('redis')) await redisWork(redis);
    if (only.has('scaling')) await scaling();
  } finally {
    await stopAll(servers);
    await redis.stop();
  }
  out(
    `\nLoad average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}.\n\n### Targets\n`,
  );
  out(
    table(
      ['target', 'measured', 'met'],
      targets.map((t) => [t.target, t.measured, t.met ? 'yes' : '**no**']),
    ),
  );

  const dir = join(root, 'bench/results');
  const name = new Date()
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replaceAll(':', '-');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.md`), `${report.join('\n')}\n`);
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify({ flags, targets, ...data }, null, 2)}\n`);
  progress(`results written to bench/results/${name}.md and .json`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
