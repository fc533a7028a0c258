// The local journal stack for the web tests, the same shape bin/up runs: a real Redis pair, the
// real API (dist/main.js) and a real NGINX with the config web/stack/nginx.mjs writes around the
// Kubernetes file server's rules, all on free ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { webRoot, writeLocalNginxConf } from '../../web/stack/nginx.mjs';
import type { ApiProcess } from '../support/api.js';
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
  const journal = await Journal.start({ env });
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
