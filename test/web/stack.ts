// The local journal stack for the web tests, the same shape bin/up runs: a real Redis pair, the
// real API (dist/main.js) and a real NGINX with the config web/stack/nginx.mjs writes around the
// Kubernetes file server's rules, all on free ports.
import { afterAll, afterEach, beforeAll, beforeEach, expect } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_API_ENV, webRoot, writeLocalNginxConf } from '../../web/stack/nginx.mjs';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import type { ApiProcess } from '../support/api.js';
import { launchChromium, openPage } from '../support/browser.js';
import { call } from '../support/http.js';
import { Journal } from '../support/journal.js';
import { freePort, GaveUp, waitFor } from '../support/ports.js';
import type { RedisPair } from '../support/redis.js';

const NGINX_BIN = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

export class Nginx {
  output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
    readonly url: string,
  ) {
    child.stderr?.on('data', (d) => (this.output += d));
  }

  /** NGINX in front of the API at `apiUrl`, serving `root` (web/dist), like bin/up does; stopped again if `/` does not answer 200. */
  static async start(apiUrl: string, { root = webRoot, timeoutMs = 10_000 } = {}): Promise<Nginx> {
    if (root === webRoot && !existsSync(join(webRoot, 'index.html')))
      throw new Error('web/dist is not built: run `npm run build:web` first');
    const dir = mkdtempSync(join(tmpdir(), 'journal-nginx-'));
    const port = await freePort();
    const conf = writeLocalNginxConf({ dir, port, apiUrl, root });
    const child = spawn(NGINX_BIN, ['-e', join(dir, 'error.log'), '-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    const nginx = new Nginx(child, dir, `http://127.0.0.1:${port}`);
    let status: number | undefined;
    try {
      await waitFor(
        `NGINX to serve ${nginx.url}/`,
        async () => {
          if (child.exitCode !== null) throw new GaveUp(`nginx exited with ${child.exitCode}: ${nginx.output}`);
          status = (await fetch(`${nginx.url}/`).catch(() => undefined))?.status;
          return status === 200 ? true : undefined;
        },
        timeoutMs,
      );
    } catch (error) {
      await nginx.stop();
      throw new Error(`${(error as Error).message} (last answer: ${status ?? 'none'})`, { cause: error });
    }
    return nginx;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface WebStack {
  /** Where a browser opens the journal (NGINX). */
  url: string;
  redis: RedisPair;
  api: ApiProcess;
  nginx: Nginx;
  stop(): Promise<void>;
}

export async function startWebStack(env: Record<string, string> = {}): Promise<WebStack> {
  const journal = await Journal.start({ env: { ...LOCAL_API_ENV, ...env } });
  const nginx = await Nginx.start(journal.api.url).catch(async (error: unknown) => {
    await journal.stop();
    throw error;
  });
  return {
    url: nginx.url,
    redis: journal.redis,
    api: journal.api,
    nginx,
    async stop() {
      await nginx.stop();
      await journal.stop();
    },
  };
}

/**
 * Empties the journal through the API, sending `headers` (an admin's token when writes, or reads,
 * need one), and forgets the failed sign-ins and writes counted so far: each test starts afresh.
 */
export async function emptyJournal(stack: WebStack, headers: Record<string, string> = {}): Promise<void> {
  const list = () => call(stack.url, 'GET', '/api/entries', undefined, headers);
  for (let res = await list(); res.body.total > 0; res = await list()) {
    for (const entry of res.body.entries) {
      const deleted = await call(stack.url, 'DELETE', `/api/entries/${entry.id}`, undefined, headers);
      if (deleted.status !== 204) throw new Error(`could not delete entry ${entry.id}: ${deleted.status} ${deleted.text}`);
    }
  }
  for (const key of (await stack.redis.primary.command('KEYS', 'journal:rate:*')) as string[])
    await stack.redis.primary.command('DEL', key);
}

/** Signs the page in through the sign-in dialog (opened with `button`) and waits for "Writing as `name`". */
export async function signIn(page: Page, token: string, name: string, button = '#sign-in'): Promise<void> {
  await page.click(button);
  await page.fill('#token-input', token);
  await page.click('#sign-in-ok');
  await page.locator('#writing-as', { hasText: `Writing as ${name}` }).waitFor();
}

/** What a browser spec works with; see useWebSession. */
export interface WebSession {
  readonly stack: WebStack;
  /** The page open() opened last. */
  readonly page: Page;
  readonly context: BrowserContext;
  /** Opens `path` in a new context (en-US, UTC unless `options` say otherwise), closing the one before. */
  open(path?: string, options?: BrowserContextOptions): Promise<Page>;
}

/**
 * The jest hooks of a browser spec: the stack (the API with `env`) and Chromium once per file, an
 * empty journal before each test (emptied with `headers`: an admin's token when deleting, or
 * reading, needs one), and after each test no uncaught error or CSP refusal on any page it opened.
 */
export function useWebSession(env: Record<string, string> = {}, headers: Record<string, string> = {}): WebSession {
  let stack: WebStack | undefined;
  let browser: Browser | undefined;
  let opened: { context: BrowserContext; page: Page } | undefined;
  let problems: string[][] = [];

  beforeAll(async () => {
    stack = await startWebStack(env);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  beforeEach(() => emptyJournal(started(stack), headers));

  afterEach(async () => {
    await opened?.context.close();
    opened = undefined;
    const met = problems.flat();
    problems = [];
    expect(met).toEqual([]);
  });

  return {
    get stack() {
      return started(stack);
    },
    get page() {
      return opened?.page ?? fail('no page yet: call open() first');
    },
    get context() {
      return opened?.context ?? fail('no page yet: call open() first');
    },
    async open(path = '/', options = {}) {
      await opened?.context.close();
      const { context, page, problems: met } = await openPage(started(browser), `${started(stack).url}${path}`, options);
      opened = { context, page };
      problems.push(met);
      return page;
    },
  };
}

function started<T>(thing: T | undefined): T {
  return thing ?? fail('the web stack did not start (see beforeAll)');
}

function fail(message: string): never {
  throw new Error(message);
}
