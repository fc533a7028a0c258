import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './api.js';
import { freePort, GaveUp, waitFor } from './ports.js';
import type { ProcessUser } from './processes.js';
import { redisCommand } from './redis.js';

export const MASTER_NAME = 'journal';

/** Which launch script the Redis pods run: the base's (fixed primary) or the Sentinel component's. */
export type ClusterMode = 'plain' | 'sentinel';

/** A process of a pod's container, with its output kept for failure messages. */
class Container {
  private child?: ChildProcess;
  output = '';

  start(script: string, env: Record<string, string>, user?: ProcessUser): void {
    const child = spawn('sh', [script], { env: { PATH: process.env.PATH!, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...user });
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    this.child = child;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Sends `signal` (the script execs redis-server, so this reaches Redis itself) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }
}

/** One pod of the redis StatefulSet: its Redis container and, in Sentinel mode, its Sentinel. */
export class RedisPod {
  readonly redis = new Container();
  readonly sentinel = new Container();

  constructor(
    readonly index: number,
    readonly port: number,
    readonly sentinelPort: number,
    readonly dataDir: string,
    readonly sentinelDir: string,
  ) {}

  get name(): string {
    return `redis-${this.index}`;
  }

  /**
   * Gives the pod a new, empty volume, holding as a freshly formatted one does `lost+found`: a
   * data dir that is not empty, but has no append-only file.
   */
  newVolume(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
    mkdirSync(join(this.dataDir, 'lost+found'), { recursive: true });
  }
}

/**
 * Where a pod's scripts are and the env of its containers: by default the repository's scripts
 * with the env the manifests give (repositoryLayout); test/kustomize passes the rendered ones.
 */
export interface PodLayout {
  /** A folder with the scripts, as the ConfigMap is mounted at /scripts. */
  scripts: string;
  redisEnv(cluster: RedisCluster, pod: RedisPod): Record<string, string>;
  sentinelEnv(cluster: RedisCluster, pod: RedisPod): Record<string, string>;
  /** Who each container runs as; by default the test's own user. */
  user?(pod: RedisPod, container: 'redis' | 'sentinel'): ProcessUser;
}

/**
 * Three Redis pods run from the scripts in kustomize/ (the base's, plus the Sentinel component's
 * in Sentinel mode) as the pods run them, with 127.0.0.1 and free ports for the pod names.
 */
export class RedisCluster {
  /**
   * Set by stop(). A test that timed out goes on running after its teardown: from then on its
   * waits end at once and it starts no process, instead of keeping jest alive.
   */
  private stopped = false;

  private constructor(
    readonly mode: ClusterMode,
    readonly password: string,
    readonly pods: RedisPod[],
    private readonly root: string,
    private readonly layout: PodLayout,
    readonly passwordFile: string,
    readonly downAfterMs: number,
  ) {}

  static async start(
    mode: ClusterMode,
    options: { downAfterMs?: number; password?: string; layout?: (root: string) => PodLayout } = {},
  ): Promise<RedisCluster> {
    const root = mkdtempSync(join(tmpdir(), 'journal-cluster-'));
    const password = options.password ?? `pw-${Math.random().toString(36).slice(2)}`;
    const passwordFile = join(root, 'passwd');
    writeFileSync(passwordFile, password, { mode: 0o400 });
    const pods: RedisPod[] = [];
    for (const index of [0, 1, 2]) {
      const pod = new RedisPod(index, await freePort(), await freePort(), join(root, `data-${index}`), join(root, `sentinel-${index}`));
      mkdirSync(pod.dataDir);
      mkdirSync(pod.sentinelDir);
      pods.push(pod);
    }
    const layout = (options.layout ?? ((folder) => repositoryLayout(mode, folder)))(root);
    const cluster = new RedisCluster(mode, password, pods, root, layout, passwordFile, options.downAfterMs ?? 1500);
    // As a StatefulSet starts them (OrderedReady): redis-0 first.
    for (const pod of pods) await cluster.startRedis(pod);
    if (mode === 'sentinel') for (const pod of pods) await cluster.startSentinel(pod);
    await cluster.waitForReplicas();
    return cluster;
  }

  /** The folder the pods' scripts are in (their /scripts). */
  get scripts(): string {
    return this.layout.scripts;
  }

  redisEnv(pod: RedisPod): Record<string, string> {
    return this.layout.redisEnv(this, pod);
  }

  sentinelEnv(pod: RedisPod): Record<string, string> {
    return this.layout.sentinelEnv(this, pod);
  }

  /** What the pod names become here: every pod's Redis, as PEERS lists them. */
  peers(): string {
    return this.pods.map((p) => `127.0.0.1:${p.port}`).join(' ');
  }

  /** "127.0.0.1:p0,127.0.0.1:p1,...": what REDIS_SENTINELS lists. */
  sentinelList(separator = ','): string {
    return this.pods.map((p) => `127.0.0.1:${p.sentinelPort}`).join(separator);
  }

  /** Starts the pod's Redis through its launch script; resolves once Redis answers (it may wait first: the guarded start). */
  async startRedis(pod: RedisPod, timeoutMs = 30_000): Promise<void> {
    this.checkRunning();
    pod.redis.start(join(this.layout.scripts, 'launch.sh'), this.redisEnv(pod), this.layout.user?.(pod, 'redis'));
    await waitFor(
      `${pod.name} to answer\n${pod.redis.output}`,
      async () => {
        this.checkRunning();
        return (await this.command(pod, 'PING')) === 'PONG' ? true : undefined;
      },
      timeoutMs,
    );
  }

  async startSentinel(pod: RedisPod): Promise<void> {
    pod.sentinel.start(join(this.layout.scripts, 'sentinel.sh'), this.sentinelEnv(pod), this.layout.user?.(pod, 'sentinel'));
    await waitFor(`the Sentinel of ${pod.name} to answer\n${pod.sentinel.output}`, async () =>
      (await this.sentinelCommand(pod, 'PING')) === 'PONG' ? true : undefined,
    );
  }

  /** The preStop hook of the Redis container, run to its end; its output. */
  async preStop(pod: RedisPod): Promise<string> {
    const child = spawn('sh', [join(this.layout.scripts, 'pre-stop.sh')], {
      env: { PATH: process.env.PATH!, ...this.redisEnv(pod) },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...this.layout.user?.(pod, 'redis'),
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    await new Promise((resolve) => child.once('exit', resolve));
    return output;
  }

  command(pod: RedisPod, name: string, ...args: (string | number)[]): Promise<unknown> {
    return redisCommand(pod.port, this.password, name, ...args);
  }

  sentinelCommand(pod: RedisPod, name: string, ...args: (string | number)[]): Promise<unknown> {
    return redisCommand(pod.sentinelPort, this.password, name, ...args);
  }

  async role(pod: RedisPod): Promise<string | undefined> {
    return ((await this.command(pod, 'ROLE').catch(() => undefined)) as string[] | undefined)?.[0];
  }

  /** The pod every answering Sentinel names as the primary, if they agree; in plain mode redis-0. */
  async primary(): Promise<RedisPod | undefined> {
    if (this.mode === 'plain') return this.pods[0];
    const answers = await Promise.all(
      this.pods
        .filter((p) => p.sentinel.running)
        .map((p) => this.sentinelCommand(p, 'SENTINEL', 'get-master-addr-by-name', MASTER_NAME).catch(() => undefined)),
    );
    const ports = new Set(answers.map((a) => Number((a as string[] | undefined)?.[1])));
    if (ports.size !== 1) return undefined;
    return this.pods.find((p) => ports.has(p.port));
  }

  /**
   * Waits until the primary (a Redis that says so, and the one the Sentinels name) has both
   * replicas online, and every Sentinel knows both replicas as promotable. `caughtUp`: and both
   * have the primary's whole stream (only possible while nothing writes). `promotable: false`:
   * without the Sentinels' view of the replicas (they refresh it only every 10 s).
   */
  async waitForReplicas(options: { caughtUp?: boolean; promotable?: boolean; timeoutMs?: number } = {}): Promise<RedisPod> {
    return waitFor(
      'the primary to have 2 replicas online',
      async () => {
        this.checkRunning();
        const primary = await this.primary();
        if (!primary || (await this.role(primary)) !== 'master') return undefined;
        const info = String(await this.command(primary, 'INFO', 'replication'));
        const offset = /master_repl_offset:(\d+)/.exec(info)![1];
        const online = info.match(/^slave\d+:.*state=online.*$/gm) ?? [];
        if (online.length !== 2 || (options.caughtUp && !online.every((line) => line.includes(`offset=${offset},`)))) return undefined;
        for (const replica of this.pods.filter((p) => p !== primary)) {
          const priority = (await this.command(replica, 'CONFIG', 'GET', 'replica-priority')) as string[];
          if (this.mode === 'sentinel' && priority[1] === '0') return undefined;
        }
        if (this.mode === 'sentinel' && options.promotable !== false) {
          for (const pod of this.pods.filter((p) => p.sentinel.running)) {
            const replicas = (await this.sentinelCommand(pod, 'SENTINEL', 'replicas', MASTER_NAME)) as string[][];
            const healthy = replicas.filter((fields) => {
              const flags = fields[fields.indexOf('flags') + 1]!;
              return !/s_down|o_down|disconnected/.test(flags) && fields[fields.indexOf('slave-priority') + 1] !== '0';
            });
            if (healthy.length !== 2) return undefined;
          }
        }
        return primary;
      },
      options.timeoutMs ?? 30_000,
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const pod of this.pods) await Promise.all([pod.redis.stop(), pod.sentinel.stop()]);
    rmSync(this.root, { recursive: true, force: true });
  }

  private checkRunning(): void {
    if (this.stopped) throw new GaveUp('the cluster was stopped (the test ended)');
  }

  /** Everything the pods' containers printed, for a failure message. */
  get output(): string {
    return this.pods.map((p) => `--- ${p.name}\n${p.redis.output}\n--- sentinel of ${p.name}\n${p.sentinel.output}`).join('\n');
  }
}

/**
 * The repository's scripts in one folder (as the merged ConfigMap: the component's replacing or
 * joining the base's), and the env statefulset.yaml and the component's patch give, with the
 * test's down-after.
 */
export function repositoryLayout(mode: ClusterMode, root: string): PodLayout {
  const scripts = join(root, 'scripts');
  mkdirSync(scripts);
  const sources = [
    join(repoRoot, 'kustomize/base/redis'),
    ...(mode === 'sentinel' ? [join(repoRoot, 'kustomize/components/sentinel')] : []),
  ];
  for (const source of sources) {
    for (const file of readdirSync(source).filter((f) => f.endsWith('.sh'))) copyFileSync(join(source, file), join(scripts, file));
  }
  const common = (cluster: RedisCluster, pod: RedisPod) => ({
    POD_NAME: pod.name,
    ANNOUNCE_HOST: '127.0.0.1',
    PEERS: cluster.peers(),
    PRIMARY_HOST: '127.0.0.1',
    PRIMARY_PORT: String(cluster.pods[0]!.port),
    PASSWORD_FILE: cluster.passwordFile,
    ...(mode === 'sentinel' ? { SENTINELS: cluster.sentinelList(' '), MASTER_NAME } : {}),
  });
  return {
    scripts,
    redisEnv: (cluster, pod) => ({
      ...common(cluster, pod),
      LISTEN_PORT: String(pod.port),
      DATA_DIR: pod.dataDir,
      MAXMEMORY: '64mb',
      ...(mode === 'sentinel' ? { HANDOVER_SECONDS: '15' } : {}),
    }),
    sentinelEnv: (cluster, pod) => ({
      ...common(cluster, pod),
      LISTEN_PORT: String(pod.sentinelPort),
      DOWN_AFTER_MS: String(cluster.downAfterMs),
      SENTINEL_DIR: pod.sentinelDir,
    }),
  };
}
