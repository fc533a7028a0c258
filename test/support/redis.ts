import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startDelayProxy } from './delay-proxy.js';
import { freePort, GaveUp, waitFor } from './ports.js';

/** One real `redis-server` process on a free port, with its own data folder (AOF on). */
export class RedisNode {
  private process?: ChildProcess;

  constructor(
    readonly name: string,
    readonly port: number,
    readonly dir: string,
    private readonly args: string[],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.process !== undefined;
  }

  /** The redis-server process's id while it runs (benchmarks read its CPU time). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  async start(): Promise<void> {
    if (this.process) return;
    const child = spawn('redis-server', ['--port', String(this.port), '--dir', this.dir, ...this.args], {
      stdio: 'ignore',
    });
    this.process = child;
    child.once('exit', () => {
      if (this.process === child) this.process = undefined;
    });
    try {
      await waitFor(`${this.name} to answer PING`, async () => {
        if (this.process !== child) throw new GaveUp(`redis-server exited with ${child.exitCode}`);
        return (await this.command('PING')) === 'PONG' ? true : undefined;
      });
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Stops the server: SIGKILL simulates a crash, SIGTERM a clean shutdown (AOF is fsynced either way). */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.process;
    if (!child) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  /** Suspends the server without closing its sockets: a Redis that hangs. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  /** Runs one command on a short-lived connection. */
  async command(name: string, ...args: (string | number)[]): Promise<unknown> {
    const at = this.args.indexOf('--requirepass');
    return redisCommand(this.port, at >= 0 ? this.args[at + 1] : undefined, name, ...args);
  }
}

/** One command on a short-lived connection to 127.0.0.1:port (a Redis or a Sentinel). */
export async function redisCommand(
  port: number,
  password: string | undefined,
  name: string,
  ...args: (string | number)[]
): Promise<unknown> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    password,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
    commandTimeout: 2000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(name, ...args);
  } finally {
    client.disconnect();
  }
}

export interface RedisPair {
  password: string;
  primary: RedisNode;
  replica: RedisNode;
  /** Waits until the replica's link to the primary is up and it has caught up. */
  waitForSync(): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisPairOptions {
  password?: string;
  /** Replication goes through a proxy that delays it this much (replication lag). */
  replicationDelayMs?: number;
  /** More redis-server arguments for both nodes, e.g. ['--maxmemory', '4mb']. */
  args?: string[];
}

/**
 * A primary and a replica with a password on both (`--requirepass`, `--masterauth`), AOF on,
 * the shape of the StatefulSet in kustomize/ on free ports.
 */
export async function startRedisPair(options: RedisPairOptions = {}): Promise<RedisPair> {
  const password = options.password ?? `pw-${Math.random().toString(36).slice(2)}`;
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const proxy = options.replicationDelayMs ? await startDelayProxy(primaryPort, options.replicationDelayMs) : undefined;
  const common = [
    '--bind',
    '127.0.0.1',
    '--requirepass',
    password,
    '--masterauth',
    password,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--protected-mode',
    'no',
    ...(options.args ?? []),
  ];
  const root = mkdtempSync(join(tmpdir(), 'journal-redis-'));
  const mk = (name: string) => mkdtempSync(join(root, `${name}-`));
  const primary = new RedisNode('primary', primaryPort, mk('primary'), common);
  const replica = new RedisNode('replica', replicaPort, mk('replica'), [
    ...common,
    '--replicaof',
    '127.0.0.1',
    String(proxy?.port ?? primaryPort),
  ]);
  const pair: RedisPair = {
    password,
    primary,
    replica,
    async waitForSync() {
      await waitFor('the replica to sync', async () => {
        const info = String(await replica.command('INFO', 'replication'));
        if (!info.includes('master_link_status:up')) return undefined;
        const primaryOffset = /master_repl_offset:(\d+)/.exec(String(await primary.command('INFO', 'replication')))?.[1];
        const replicaOffset = /slave_repl_offset:(\d+)/.exec(info)?.[1];
        return primaryOffset === replicaOffset ? true : undefined;
      });
    },
    async stop() {
      await Promise.all([primary.stop(), replica.stop()]);
      proxy?.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await primary.start();
    await replica.start();
    await pair.waitForSync();
  } catch (error) {
    await pair.stop();
    throw error;
  }
  return pair;
}
