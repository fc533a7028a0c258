import { execFile, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { containerEnv, containers, generated, get, podTemplate, scratch, type K8sObject } from '../kustomize/manifests.js';
import { LocalPod, runCommand, substitute } from '../kustomize/pod.js';
import type { RedisCluster, RedisPod } from '../support/sentinel.js';

/** What a container's run printed, and how it ended. */
export interface Run {
  code: number | null;
  output: string;
}

/**
 * The backup component's pods as prod renders them (CronJobs redis-backup and redis-restore), run
 * here: each run is a fresh pod (its emptyDir and mounted files as scratch folders) whose
 * containers run the rendered scripts with the rendered env, one after the other as init
 * container and container do. Only paths, the Redis addresses and the repository's folder change.
 */
export class BackupPods {
  readonly repository = join(scratch('journal-backups-'), 'restic');
  /** The point-in-time archive's store (ARCHIVE_REPOSITORY): one restic repository per pod under it. */
  readonly archive = scratch('journal-archive-');
  private readonly archivers: ChildProcess[] = [];
  /** The backup key, as the Secret backup-key holds it. */
  readonly keyFile = join(scratch('journal-backup-key-'), 'password');

  constructor(
    private readonly objects: K8sObject[],
    private readonly cluster: RedisCluster,
  ) {
    writeFileSync(this.keyFile, Buffer.from(generated(objects, 'Secret', 'backup-key').data.password, 'base64'));
  }

  /** Every backup in the repository (its tags), oldest first, read with restic. */
  backups(): { tags: string[] }[] {
    const listing = spawnSync('restic', ['snapshots', '--json'], {
      env: { ...process.env, RESTIC_REPOSITORY: this.repository, RESTIC_PASSWORD_FILE: this.keyFile },
      encoding: 'utf8',
    });
    return JSON.parse(listing.stdout) as { tags: string[] }[];
  }

  /**
   * The tags of every shipment in a pod's point-in-time archive (ARCHIVE_REPOSITORY/<pod>), read with
   * restic (without a lock, as fetch.sh does: its sidecar may be shipping); none if it has no archive.
   */
  async shipments(pod: RedisPod): Promise<{ id: string; tags: string[] }[]> {
    const listing = await promisify(execFile)('restic', ['--no-lock', 'snapshots', '--json', '--tag', 'aof'], {
      env: { ...process.env, RESTIC_REPOSITORY: join(this.archive, pod.name), RESTIC_PASSWORD_FILE: this.keyFile },
    }).catch((error: { stderr?: string }) => {
      if (/Is there a repository at the following location/.test(error.stderr ?? '')) return undefined; // never shipped
      throw error;
    });
    return listing ? (JSON.parse(listing.stdout) as { id: string; tags: string[] }[]).map(({ id, tags }) => ({ id, tags })) : [];
  }

  /** The second the newest shipment of any pod's archive was taken (what was written before it is in it), 0 if none. */
  async newestShipment(): Promise<number> {
    const shipments = (await Promise.all(this.cluster.pods.map((pod) => this.shipments(pod)))).flat();
    const tags = shipments.flatMap((shipment) => shipment.tags);
    return Math.max(0, ...tags.filter((tag) => tag.startsWith('shipped:')).map((tag) => Number(tag.slice('shipped:'.length))));
  }

  /** The tags (name → value) of the last backup in the repository. */
  latestTags(): Record<string, string> {
    const tags = this.backups()
      .at(-1)!
      .tags.filter((tag) => tag.includes(':'));
    return Object.fromEntries(tags.map((tag) => [tag.slice(0, tag.indexOf(':')), tag.slice(tag.indexOf(':') + 1)]));
  }

  /** A backup run: snapshot (init container), then store if it succeeded. */
  backup(): Promise<Run> {
    return this.runPod('redis-backup', ['snapshot', 'store']);
  }

  /** A restore Job's run into `dataDir` (redis-0's volume): fetch, then prepare. */
  restore(dataDir: string, env: Record<string, string> = {}): Promise<Run> {
    return this.runPod('redis-restore', ['fetch', 'prepare'], { DATA_DIR: dataDir, ...env });
  }

  /** An archive check Job's run (CronJob redis-archive-check). */
  archiveCheck(env: Record<string, string> = {}): Promise<Run> {
    return this.runPod('redis-archive-check', ['check'], env);
  }

  /** A restore drill Job's run (CronJob redis-restore-drill): fetch, prepare into its emptyDir, then drill. */
  drill(env: Record<string, string> = {}): Promise<Run> {
    return this.runPod('redis-restore-drill', ['fetch', 'prepare', 'drill'], env);
  }

  /**
   * The aof-archive sidecar of every Redis pod (StatefulSet redis), running until stopArchivers,
   * shipping every `interval` seconds. Returns what they print. Each runs as its container's first
   * process does, PID 1 of a PID namespace of its own: one that ignores the signals it has no trap for.
   * `tools`: a folder searched before PATH (a stand-in for a command the sidecar runs).
   */
  startArchivers(interval: number, tools?: string): () => string {
    const statefulSet = get(this.objects, 'StatefulSet', 'redis');
    const container = containers(podTemplate(statefulSet).spec).find((c) => c.name === 'aof-archive');
    const runs = this.cluster.pods.map((pod) => {
      const local = new LocalPod(this.objects, statefulSet, container);
      const env = containerEnv(this.objects, statefulSet, container, pod.name);
      // PATH names the pod's restic binary: here restic is installed.
      const localEnv = Object.fromEntries(Object.entries(env).map(([key, value]) => [key, key === 'PATH' ? value : local.arg(value)]));
      const command = (container.command as string[]).map((arg) => local.arg(arg));
      const run = runCommand(
        ['unshare', '--pid', '--fork', ...command],
        substitute(localEnv, {
          PATH: tools ? `${tools}:${process.env.PATH}` : process.env.PATH!,
          LISTEN_PORT: String(pod.port),
          DATA_DIR: pod.dataDir,
          ARCHIVE_REPOSITORY: this.archive,
          ARCHIVE_INTERVAL: String(interval),
        }),
      );
      this.archivers.push(run.child);
      return run;
    });
    return () => runs.map((run) => run.output()).join('');
  }

  /**
   * Stops the sidecars as the kubelet does: SIGTERM to each container's first process, and SIGKILL
   * (the whole PID namespace with it) after the grace period. Rejects if one needed the SIGKILL.
   */
  async stopArchivers(graceMs = 20_000): Promise<void> {
    const killed = await Promise.all(
      this.archivers.splice(0).map(async (unshare) => {
        if (unshare.exitCode !== null || unshare.signalCode !== null) return false;
        const exited = new Promise((resolve) => unshare.once('exit', resolve));
        const first = Number(spawnSync('pgrep', ['--parent', String(unshare.pid)], { encoding: 'utf8' }).stdout.trim());
        if (!(first > 1)) throw new Error(`no sidecar process under unshare ${unshare.pid}`);
        process.kill(first, 'SIGTERM');
        const late = await Promise.race([exited.then(() => false), new Promise((resolve) => setTimeout(resolve, graceMs, true))]);
        if (late) {
          process.kill(first, 'SIGKILL');
          await exited;
        }
        return late;
      }),
    );
    if (killed.includes(true)) throw new Error(`a sidecar did not stop within ${graceMs} ms of its SIGTERM`);
  }

  /** "COUNT SHA256" of a Redis pod's entries, by common.sh's journal_digest (what restore.sh checks in each pod). */
  async digest(pod: RedisPod): Promise<string> {
    const local = this.localPod(get(this.objects, 'CronJob', 'redis-backup'), 'snapshot');
    const run = await finish(
      runCommand(['sh', '-c', `script=test; . ${local.path('/scripts/common.sh')}; journal_digest 127.0.0.1:${pod.port}`], {
        PASSWORD_FILE: this.cluster.passwordFile,
      }),
    );
    if (run.code !== 0) throw new Error(`journal_digest failed: ${run.output}`);
    return run.output.trim();
  }

  private localPod(cronJob: K8sObject, name: string, root?: string): LocalPod {
    return new LocalPod(
      this.objects,
      cronJob,
      containers(podTemplate(cronJob).spec).find((c) => c.name === name),
      root,
    );
  }

  private async runPod(cronJobName: string, names: string[], overrides: Record<string, string> = {}): Promise<Run> {
    const cronJob = get(this.objects, 'CronJob', cronJobName);
    let root: string | undefined;
    let output = '';
    for (const name of names) {
      const local = this.localPod(cronJob, name, root);
      root = local.root;
      const container = containers(podTemplate(cronJob).spec).find((c) => c.name === name);
      const env = containerEnv(this.objects, cronJob, container);
      // In-pod paths become the local folders; the pods' DNS names the local Redis pods.
      const localEnv = Object.fromEntries(Object.entries(env).map(([key, value]) => [key, local.arg(value)]));
      const replaced: Record<string, string> = {};
      if ('PEERS' in env) replaced.PEERS = this.cluster.peers();
      if ('RESTIC_REPOSITORY' in env) replaced.RESTIC_REPOSITORY = this.repository;
      if ('ARCHIVE_REPOSITORY' in env) replaced.ARCHIVE_REPOSITORY = this.archive;
      for (const [key, value] of Object.entries(overrides)) if (key in env) replaced[key] = value;
      const command = (container.command as string[]).map((arg) => local.arg(arg));
      const run = await finish(runCommand(command, substitute(localEnv, replaced)));
      output += run.output;
      if (run.code !== 0) return { code: run.code, output };
    }
    return { code: 0, output };
  }
}

/** How the command ended and all it printed: 'close', not 'exit', which can come before its output is read. */
function finish({ child, output }: ReturnType<typeof runCommand>): Promise<Run> {
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output: output() })));
}
