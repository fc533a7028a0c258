import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, GaveUp, waitFor } from './ports.js';
import type { ProcessUser } from './processes.js';
import type { RedisPair } from './redis.js';

/** The repository: the nearest folder above this file with a package.json (also when compiled into bench/dist). */
export const repoRoot = (function findRoot(dir: string): string {
  return existsSync(join(dir, 'package.json')) ? dir : findRoot(dirname(dir));
})(import.meta.dirname);

/** The NODE_OPTIONS the API image runs with (the Dockerfile's ENV), so tests and benchmarks run it alike. */
export function imageNodeOptions(): string {
  return /NODE_OPTIONS="([^"]+)"/.exec(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'))![1];
}

/** Writes a password file the way Kubernetes mounts the Secret, in a scratch folder. */
export function passwordFile(password: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'journal-secret-')), 'passwd');
  writeFileSync(file, password, { mode: 0o400 });
  return file;
}

/** The env the API needs to talk to a test Redis pair (what the Deployment gives it in Kubernetes). */
export function redisEnv(redis: RedisPair): Record<string, string> {
  return {
    REDIS_WRITE_URL: redis.primary.url,
    REDIS_READ_URL: redis.replica.url,
    REDIS_PASSWORD_FILE: passwordFile(redis.password),
  };
}

/** How to run it: `main` (default dist/main.js) in `cwd`, its stdout and stderr kept in memory or appended to `logFile`. */
export interface ApiOptions {
  cwd?: string;
  main?: string;
  /** For long runs (benchmarks): a file, as a container runtime keeps logs, instead of a growing string. */
  logFile?: string;
  /** The system user to run it as (test/partitions); by default the test's own. */
  user?: ProcessUser;
}

/** A running `node dist/main.js` (build first: `npm run build`), as the container runs it. */
export class ApiProcess {
  private captured = '';
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly metricsPort: number,
    private readonly logFile?: string,
  ) {
    child.stdout?.on('data', (d) => (this.captured += d));
    child.stderr?.on('data', (d) => (this.captured += d));
    // 'close': after the output is read too ('exit' can come first, and a test reads the last line).
    this.exited = new Promise((r) => child.once('close', (code) => r(code)));
  }

  /** Everything it printed so far. */
  get output(): string {
    return this.logFile ? readFileSync(this.logFile, 'utf8') : this.captured;
  }

  /** Waits for `text` in the output: log lines are batched and reach it up to 250 ms late (src/logging/logger.ts). */
  async waitForOutput(text: string): Promise<string> {
    return waitFor(`the API to print ${JSON.stringify(text)}`, async () => (this.output.includes(text) ? this.output : undefined));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get metricsUrl(): string {
    return `http://127.0.0.1:${this.metricsPort}/metrics`;
  }

  /**
   * Spawns the API (on a free metrics port unless `env` names one); `env` replaces the inherited
   * settings. Writes need no token unless `env` sets AUTH_MODE (test/support/auth.ts); a setting
   * given as undefined is left unset. Does not wait.
   */
  static async spawn(env: Record<string, string | undefined>, options: ApiOptions = {}): Promise<ApiProcess> {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !/^(PORT|HOST|JOURNAL_|REDIS_|NODE_ENV|LOG_|RATE_|METRICS_|TRUST_|CORS_|AUTH_|READ_ACCESS)/.test(k),
      ),
    );
    const port = Number(env.PORT ?? 0);
    const metricsPort = Number(env.METRICS_PORT ?? (await freePort()));
    const log = options.logFile === undefined ? 'pipe' : openSync(options.logFile, 'a');
    const child = spawn(process.execPath, [options.main ?? 'dist/main.js'], {
      cwd: options.cwd ?? repoRoot,
      env: Object.fromEntries(
        Object.entries({ ...inherited, AUTH_MODE: 'off', ...env, PORT: String(port), METRICS_PORT: String(metricsPort) }).filter(
          ([, value]) => value !== undefined,
        ),
      ),
      stdio: ['ignore', log, log],
      ...options.user,
    });
    if (typeof log === 'number') closeSync(log); // the child has its own copy
    return new ApiProcess(child, port, metricsPort, options.logFile);
  }

  /** Spawns the API on a free port and waits for `/healthz/ready` to answer 200. */
  static async start(env: Record<string, string | undefined>, options: ApiOptions = {}): Promise<ApiProcess> {
    const port = env.PORT ? Number(env.PORT) : await freePort();
    const api = await ApiProcess.spawn({ ...env, PORT: String(port) }, options);
    let exitCode: number | null | undefined;
    void api.exited.then((code) => (exitCode = code));
    try {
      await waitFor(
        'the API to be ready',
        async () => {
          if (exitCode !== undefined) throw new GaveUp(`the API exited with ${exitCode}: ${api.output}`);
          const res = await fetch(`${api.url}/healthz/ready`).catch(() => undefined);
          return res?.status === 200 ? true : undefined;
        },
        15_000,
      );
    } catch (error) {
      await api.stop();
      throw new Error(`${(error as Error).message}\n${api.output}`, { cause: error });
    }
    return api;
  }

  /** SIGTERM, then the exit code. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}
