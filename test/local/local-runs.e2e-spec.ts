// Local runs as a new contributor meets them: bin/up from a fresh clone in a folder only its owner
// may enter (mode 700, like root's home or a `mktemp -d` folder), and starts that fail half-way,
// in bin/up and in the test helpers: nothing they started may be left running.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { repoRoot } from '../support/api.js';
import { bearer, newToken } from '../support/auth.js';
import { launchChromium } from '../support/browser.js';
import { call } from '../support/http.js';
import { Journal } from '../support/journal.js';
import { freePort, GaveUp, waitFor } from '../support/ports.js';
import { childProcesses, processesIn } from '../support/processes.js';
import { RedisNode } from '../support/redis.js';
import { Nginx } from '../web/stack.js';

/** Whether something accepts connections on host:port. */
function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    const answer = (accepted: boolean) => {
      socket.destroy();
      resolve(accepted);
    };
    socket
      .once('connect', () => answer(true))
      .once('error', () => answer(false))
      .setTimeout(1000, () => answer(false));
  });
}

describe('a failed start in the test helpers', () => {
  it('of the API stops the Redis pair it started for it', async () => {
    const before = childProcesses();
    await expect(Journal.start({ env: { JOURNAL_ENTRIES: 'abc' } })).rejects.toThrow(/Invalid configuration: JOURNAL_ENTRIES/);
    expect(childProcesses()).toEqual(before);
  });

  it('of Redis (its port is taken) fails at once, with nothing left', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => taken.once('listening', resolve));
    const dir = mkdtempSync(join(tmpdir(), 'journal-redis-taken-'));
    const before = childProcesses();
    try {
      const node = new RedisNode('primary', (taken.address() as AddressInfo).port, dir, ['--bind', '127.0.0.1', '--save', '']);
      const started = Date.now();
      await expect(node.start()).rejects.toThrow(/redis-server exited/);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(node.running).toBe(false);
      expect(childProcesses()).toEqual(before);
    } finally {
      taken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('of NGINX (it never answers 200) stops NGINX', async () => {
    const before = childProcesses();
    const empty = mkdtempSync(join(tmpdir(), 'journal-empty-root-'));
    try {
      await expect(Nginx.start('http://127.0.0.1:9', { root: empty, timeoutMs: 1500 })).rejects.toThrow(/last answer: 404/);
      expect(childProcesses()).toEqual(before);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('bin/up in a clone that only its owner may enter', () => {
  let home: string;
  let clone: string;
  let ports: Record<'WEB_PORT' | 'API_PORT' | 'METRICS_PORT' | 'REDIS_PRIMARY_PORT' | 'REDIS_REPLICA_PORT', string>;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'journal-home-')); // mode 700
    expect(statSync(home).mode & 0o777).toBe(0o700);
    clone = join(home, 'journal');
    // The repository as a clone has it, with the builds (timestamps kept, so bin/up need not rebuild).
    const skip = new Set(['.git', 'node_modules', '.run', 'test-output', 'bench/dist', 'dist/compiled']);
    cpSync(repoRoot, clone, { recursive: true, preserveTimestamps: true, filter: (source) => !skip.has(relative(repoRoot, source)) });
    symlinkSync(join(repoRoot, 'node_modules'), join(clone, 'node_modules'));
    const [web, api, metrics, primary, replica] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    ports = {
      WEB_PORT: String(web),
      API_PORT: String(api),
      METRICS_PORT: String(metrics),
      REDIS_PRIMARY_PORT: String(primary),
      REDIS_REPLICA_PORT: String(replica),
    };
  });

  /** The bin/up of the test running now. */
  let current: ReturnType<typeof up> | undefined;

  // Only after a test that failed half-way: its bin/up would hold the ports the next one needs.
  afterEach(async () => {
    if (current && current.child.exitCode === null && current.child.signalCode === null) {
      for (const pid of processesIn(clone)) process.kill(pid, 'SIGKILL');
      await current.exited;
    }
    current = undefined;
  });

  afterAll(() => {
    for (const pid of processesIn(clone)) process.kill(pid, 'SIGKILL'); // only if a test failed
    rmSync(home, { recursive: true, force: true });
  });

  /** Runs bin/up in the clone with its own ports and `env`; `output` grows as it prints. */
  function up(env: Record<string, string> = {}) {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(PATH|HOME|LANG|TERM)$/.test(k)));
    const child = spawn('bash', ['bin/up'], { cwd: clone, env: { ...inherited, ...ports, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const run = { child, output: '', exited: new Promise<number | null>((r) => child.once('exit', (code) => r(code))) };
    child.stdout.on('data', (d) => (run.output += d));
    child.stderr.on('data', (d) => (run.output += d));
    current = run;
    return run;
  }

  /** Runs bin/up (see up) and waits until it has printed its last line, the sign-in link. */
  async function upAndReady(env: Record<string, string> = {}) {
    const run = up(env);
    await waitFor(
      `bin/up to be up:\n${run.output}`,
      async () => {
        if (run.child.exitCode !== null) throw new GaveUp(`bin/up exited with ${run.child.exitCode}:\n${run.output}`);
        return /open: http:\/\/localhost:\d+\/#token=\S+\n/.test(run.output) ? true : undefined;
      },
      90_000,
    );
    return run;
  }

  async function nothingLeft(): Promise<void> {
    expect(processesIn(clone)).toEqual([]);
    for (const port of Object.values(ports)) expect(await listening('127.0.0.1', Number(port))).toBe(false);
  }

  it('says which port is taken and the setting that moves it, and starts nothing', async () => {
    const taken = createServer().listen(Number(ports.METRICS_PORT), '127.0.0.1');
    await new Promise((resolve) => taken.once('listening', resolve));
    try {
      const run = up();
      expect(await run.exited).toBe(1);
      expect(run.output).toContain(
        `port ${ports.METRICS_PORT} (METRICS_PORT=${ports.METRICS_PORT}) is in use (another bin/up still running?); set METRICS_PORT to another port`,
      );
      expect(processesIn(clone)).toEqual([]);
    } finally {
      taken.close();
    }
  });

  it('stops Redis again when the API cannot start, and says why', async () => {
    const run = up({ JOURNAL_ENTRIES: 'abc' });
    expect(await run.exited).not.toBe(0);
    expect(run.output).toContain('Invalid configuration: JOURNAL_ENTRIES');
    expect(run.output).toMatch(/the API exited at start/);
    await nothingLeft();
  }, 120_000);

  it('serves the UI and the API through NGINX, the API on loopback only; Ctrl-C stops everything', async () => {
    const run = await upAndReady();

    const page = await fetch(`http://127.0.0.1:${ports.WEB_PORT}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>');
    // Writes need a token (AUTH_MODE=token): the one bin/up made on its first run, in .run/.
    const token = readFileSync(join(clone, '.run/auth-token'), 'utf8');
    expect((await call(`http://127.0.0.1:${ports.WEB_PORT}`, 'POST', '/api/entries', { text: 'anonymous' })).status).toBe(401);
    // As a client should: a 503 (the replica's confirmation late, on a busy machine) is sent again
    // after its Retry-After with the same Idempotency-Key, which cannot store the entry twice.
    const write = { ...bearer(token), 'idempotency-key': 'from-a-private-clone' };
    let created = await call(`http://127.0.0.1:${ports.WEB_PORT}`, 'POST', '/api/entries', { text: 'from a private clone' }, write);
    for (let retry = 0; created.status === 503 && retry < 3; retry++) {
      await new Promise((resolve) => setTimeout(resolve, Number(created.headers.get('retry-after')) * 1000));
      created = await call(`http://127.0.0.1:${ports.WEB_PORT}`, 'POST', '/api/entries', { text: 'from a private clone' }, write);
    }
    expect({ status: created.status, body: created.body }).toMatchObject({ status: 201 });
    expect(run.output).not.toMatch(/AUTH_MODE is not set/);
    // It says who may read: anyone, unless READ_ACCESS=signed-in is set.
    expect(run.output).toContain('anyone can read (READ_ACCESS=public');
    expect((await call(`http://127.0.0.1:${ports.WEB_PORT}`, 'GET', '/api/entries')).status).toBe(200);

    // The printed link signs a browser in; the token leaves the address bar at once.
    const [, writer, link] = /to write as (\S+), open: (http:\/\/localhost:\d+\/#token=[A-Za-z0-9_-]{43})\n/.exec(run.output) ?? [];
    expect(link).toBe(`http://localhost:${ports.WEB_PORT}/#token=${token}`);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('console', (msg) => {
        if (/Content Security Policy|Refused to/.test(msg.text())) problems.push(msg.text());
      });
      await page.goto(link!);
      await page.locator('#writing-as', { hasText: `Writing as ${writer}` }).waitFor();
      expect(page.url()).toBe(`http://localhost:${ports.WEB_PORT}/`);
      await page.fill('#entry-text', 'written after the link');
      await page.click('#save');
      await page.locator('#entries li .text', { hasText: 'written after the link' }).waitFor();
      expect((await call(`http://127.0.0.1:${ports.WEB_PORT}`, 'GET', '/api/entries')).body.entries[0]).toMatchObject({ author: writer });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }

    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;
    if (external) {
      expect(await listening(external, Number(ports.API_PORT))).toBe(false);
      expect(await listening(external, Number(ports.METRICS_PORT))).toBe(false);
    }
    expect(await listening('127.0.0.1', Number(ports.API_PORT))).toBe(true);

    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    await nothingLeft();
  }, 120_000);

  it('with READ_ACCESS=signed-in reading needs the token too; the API believes X-Forwarded-For from NGINX (TRUST_PROXY)', async () => {
    const run = await upAndReady({ READ_ACCESS: 'signed-in' });
    const web = `http://127.0.0.1:${ports.WEB_PORT}`;
    const token = readFileSync(join(clone, '.run/auth-token'), 'utf8');
    expect(run.output).toContain('reading needs a token too (READ_ACCESS=signed-in)');
    expect(run.output).toMatch(/to read and write as \S+, open: /);
    expect((await call(web, 'GET', '/api/entries')).status).toBe(401);
    expect((await call(web, 'GET', '/api/entries', undefined, bearer(token))).status).toBe(200);

    // TRUST_PROXY=127.0.0.1 (NGINX's side): one address's failed sign-ins do not block another's.
    const from = (address: string) => ({ ...bearer(newToken()), 'x-forwarded-for': address });
    const api = `http://127.0.0.1:${ports.API_PORT}`;
    for (let i = 0; i < 20; i++) expect((await call(api, 'GET', '/api/entries', undefined, from('203.0.113.1'))).status).toBe(401);
    expect((await call(api, 'GET', '/api/entries', undefined, from('203.0.113.1'))).status).toBe(429);
    expect((await call(api, 'GET', '/api/entries', undefined, from('203.0.113.22'))).status).toBe(401);

    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    await nothingLeft();
  }, 120_000);
});
