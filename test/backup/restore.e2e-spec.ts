import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectNothingLost, startApi } from '../failover/check.js';
import { Load } from '../failover/load.js';
import { generated, kustomizeCopy, removeScratch, render, scratch, type K8sObject } from '../kustomize/manifests.js';
import type { ApiProcess } from '../support/api.js';
import { freePort, waitFor } from '../support/ports.js';
import { RedisNode } from '../support/redis.js';
import { RedisCluster, type RedisPod } from '../support/sentinel.js';
import { storedEntries } from '../support/stored-entries.js';
import { FakeKubectl } from './kubectl.js';
import { BackupPods } from './scripts.js';

/**
 * Backups and restores with the backup component's rendered scripts (prod), run as its pods run
 * them, against three Redis pods with their Sentinels and the built API under continuous writes.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let objects: K8sObject[];
let cluster: RedisCluster;
let pods: BackupPods;
let api: ApiProcess | undefined;

beforeAll(async () => {
  objects = render(join(kustomizeCopy(), 'overlays', 'prod')).objects;
  const password = Buffer.from(generated(objects, 'Secret', 'redis-passwd').data.passwd, 'base64').toString();
  cluster = await RedisCluster.start('sentinel', { password });
  pods = new BackupPods(objects, cluster);
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await cluster?.stop();
  removeScratch();
});

/** A pod's entries: id → the entry's JSON as stored. */
const entries = (pod: RedisPod) => storedEntries.all({ command: (name, ...args) => cluster.command(pod, name, ...args) });

/** Every process of the cluster stopped (kill -9) and the folders named emptied: a lost cluster. */
async function destroy(folders: (pod: RedisPod) => string[]): Promise<void> {
  for (const pod of cluster.pods) await Promise.all([pod.redis.stop(), pod.sentinel.stop()]);
  for (const folder of cluster.pods.flatMap(folders)) {
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder);
  }
}

/** As a StatefulSet starts them after the restore: redis-0 (restored) first, then the others, then the Sentinels. */
async function startAll(): Promise<RedisPod> {
  for (const pod of cluster.pods) await cluster.startRedis(pod);
  for (const pod of cluster.pods) await cluster.startSentinel(pod);
  return cluster.waitForReplicas({ caughtUp: true });
}

/** Creates by two writers until stopped: id → when the 201 came. */
class Creates {
  readonly acked = new Map<string, number>();
  private running = true;
  private readonly loops = [0, 1].map((writer) => this.loop(writer));

  constructor(private readonly url: string) {}

  private async loop(writer: number): Promise<void> {
    for (let n = 0; this.running; n++) {
      const reply = await fetch(`${this.url}/api/entries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `writer ${writer} entry ${n} ✓` }),
      }).catch(() => undefined);
      if (reply?.status === 201) this.acked.set(((await reply.json()) as { id: string }).id, Date.now());
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

/** "N entries, checksum X" from prepare.sh's last line, as "N X" (what restore.sh compares each pod with). */
const restoredDigest = (output: string) => /: (\d+) entries, checksum ([0-9a-f]{64}),/.exec(output)!.slice(1).join(' ');

describe("a backup under continuous writes, then the loss of every data folder and the Sentinels' state", () => {
  let backupAt: number;
  let before: Map<string, string>;

  it('logs one line per backup: size, entries, duration, checksum', async () => {
    api = await startApi(cluster);
    const writes = new Creates(api.url);
    await waitFor('50 acknowledged creates', async () => (writes.acked.size >= 50 ? true : undefined), 20_000);
    backupAt = Date.now();
    const run = await pods.backup();
    expect(run).toMatchObject({ code: 0 });
    expect(run.output.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^store\.sh: backup [0-9a-f]{8} stored: entries=\d+ size=\d+ added=\d+ duration=\d+s sha256=[0-9a-f]{64} digest=[0-9a-f]{64} source=127\.0\.0\.1:\d+ taken=\S+Z$/,
      ),
    ]);
    await sleep(300);
    await writes.stop();
    // The entries acknowledged before the backup, as the journal holds them at the end (nothing is deleted), byte for byte.
    await cluster.waitForReplicas({ caughtUp: true });
    const final = await entries((await cluster.primary())!);
    before = new Map([...writes.acked].filter(([, at]) => at <= backupAt).map(([id]) => [id, final.get(id)!]));
    expect(before.size).toBeGreaterThanOrEqual(50);
    expect(writes.acked.size).toBeGreaterThan(before.size); // and writes went on during the backup
  }, 60_000);

  it('restores every entry acknowledged before the backup, byte for byte, into fresh folders; the replicas copy the primary', async () => {
    await api?.stop();
    api = undefined;
    await destroy((pod) => [pod.dataDir, pod.sentinelDir]);
    const run = await pods.restore(cluster.pods[0]!.dataDir);
    expect(run.code).toBe(0);
    expect(run.output.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^prepare\.sh: restored the backup of 127\.0\.0\.1:\d+ taken at \S+Z: \d+ entries, checksum [0-9a-f]{64}, verified in the append-only files now in /,
      ),
    ]);
    // Redis runs with appendonly yes and loads the restored append-only files, not an empty data set.
    expect(readdirSync(join(cluster.pods[0]!.dataDir, 'appendonlydir')).length).toBeGreaterThan(0);
    const primary = await startAll();
    expect(primary).toBe(cluster.pods[0]);
    const expected = restoredDigest(run.output);
    for (const pod of cluster.pods) expect(await pods.digest(pod)).toBe(expected);
    const restored = await entries(primary);
    expect([...before].filter(([id, entry]) => restored.get(id) !== entry)).toEqual([]);
    expect(Number(expected.split(' ')[0])).toBeGreaterThanOrEqual(before.size);
  }, 90_000);

  it('fails over normally afterwards: kill -9 of the new primary loses nothing', async () => {
    api = await startApi(cluster);
    const restored = [...(await entries((await cluster.primary())!)).keys()];
    const after = new Load(api.url, { writers: 2, readers: 1 });
    await sleep(1000);
    const primary = (await cluster.primary())!;
    const killedAt = Date.now();
    await primary.redis.stop('SIGKILL');
    await after.waitForWrites(killedAt, 20_000);
    await sleep(500);
    await after.stop();
    await cluster.startRedis(primary);
    await expectNothingLost(cluster, after, 'kill -9 of the restored primary');
    const now = await entries((await cluster.primary())!);
    expect(restored.filter((id) => !now.has(id) && !after.deleted.has(id) && !after.maybeDeleted.has(id))).toEqual([]);
  }, 90_000);
});

describe('the pitfalls', () => {
  it('replicas whose volumes kept newer data never resynchronise the restored primary: they copy it', async () => {
    await api?.stop();
    api = undefined;
    // redis-0 gets the backup; redis-1 and redis-2 keep what they held (more entries, a higher offset).
    await destroy((pod) => (pod.index === 0 ? [pod.dataDir, pod.sentinelDir] : [pod.sentinelDir]));
    const run = await pods.restore(cluster.pods[0]!.dataDir);
    expect(run.code).toBe(0);
    await startAll();
    for (const pod of cluster.pods) expect(await pods.digest(pod)).toBe(restoredDigest(run.output));
  }, 90_000);

  it('a restored volume comes up with its entries under appendonly yes: append-only files, and no dump.rdb that Redis would ignore', async () => {
    const dataDir = join(scratch('journal-restore-'), 'data');
    mkdirSync(dataDir);
    const run = await pods.restore(dataDir);
    expect(run.code).toBe(0);
    expect(readdirSync(dataDir)).toEqual(['appendonlydir']);
    const node = new RedisNode('restored', await freePort(), dataDir, ['--appendonly', 'yes', '--requirepass', cluster.password]);
    await node.start();
    try {
      expect(`${(await storedEntries.ids(node)).length}`).toBe(restoredDigest(run.output).split(' ')[0]);
    } finally {
      await node.stop();
    }
  }, 30_000);

  it('refuses to restore over a data folder that holds a journal, and leaves it as it was', async () => {
    const pod = cluster.pods[1]!;
    const held = await pods.digest(pod);
    const run = await pods.restore(pod.dataDir);
    expect(run.code).toBe(1);
    expect(run.output).toBe(
      `prepare.sh: restore failed: ${pod.dataDir} holds a data set (${/\((appendonlydir[^)]*)\)/.exec(run.output)?.[1]}): refusing to overwrite it (FORCE=yes replaces it)\n`,
    );
    expect(run.output).toContain('(appendonlydir');
    expect(await pods.digest(pod)).toBe(held);
  }, 30_000);

  it('detects a wrong key, a damaged repository and a truncated backup before anything is overwritten, with one line', async () => {
    const target = join(cluster.pods[0]!.dataDir, '..', 'target');
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, 'keep'), 'untouched');
    const wrongKey = join(target, '..', 'wrong-key');
    writeFileSync(wrongKey, 'not the key');
    expect(await pods.restore(target, { RESTIC_PASSWORD_FILE: wrongKey })).toEqual({
      code: 1,
      output: `fetch.sh: restore failed: cannot open the backup repository ${pods.repository}: wrong password or no key found\n`,
    });
    // Every data file of the repository damaged in its middle: restic's authentication fails on read.
    const original = `${pods.repository}.original`;
    cpSync(pods.repository, original, { recursive: true });
    try {
      for (const dir of readdirSync(join(pods.repository, 'data'))) {
        for (const file of readdirSync(join(pods.repository, 'data', dir))) {
          const path = join(pods.repository, 'data', dir, file);
          const bytes = readFileSync(path);
          bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
          writeFileSync(path, bytes);
        }
      }
      const damaged = await pods.restore(target);
      expect(damaged.code).toBe(1);
      expect(damaged.output).toMatch(/^fetch\.sh: restore failed: the backup taken at \S+Z cannot be read from \S+: .+\n$/);
    } finally {
      rmSync(pods.repository, { recursive: true });
      cpSync(original, pods.repository, { recursive: true });
    }
    // A backup whose file was cut short, recorded with the checksums of a whole one.
    const restic = (args: string[], input?: Buffer) =>
      spawnSync('restic', args, { input, env: { ...process.env, RESTIC_REPOSITORY: pods.repository, RESTIC_PASSWORD_FILE: pods.keyFile } });
    const good = pods.latestTags();
    const whole = restic(['dump', '--host', 'journal', '--tag', `taken:${good.taken}`, 'latest', '/dump.rdb']).stdout;
    const tags = Object.entries({ ...good, taken: String(Number(good.taken) + 1) }).flatMap(([k, v]) => ['--tag', `${k}:${v}`]);
    expect(
      restic(
        ['backup', '--host', 'journal', '--tag', 'journal', ...tags, '--stdin', '--stdin-filename', 'dump.rdb'],
        whole.subarray(0, whole.length / 2),
      ).status,
    ).toBe(0);
    expect(await pods.restore(target)).toEqual({
      code: 1,
      output: "prepare.sh: restore failed: the backup's file does not match its SHA-256 (truncated or damaged): nothing was overwritten\n",
    });
    expect(readdirSync(target)).toEqual(['keep']);
  }, 60_000);
});

describe("restore.sh, the operator's one command, its kubectl answered by the local pods", () => {
  let kubectl: FakeKubectl;
  /** The calls that change something in the namespace. */
  const changes = () => kubectl.calls.filter((call) => /^(scale|patch|delete|apply)/.test(call));

  beforeAll(async () => {
    api = await startApi(cluster);
    kubectl = new FakeKubectl(cluster, pods, {
      stopApi: async () => {
        await api?.stop();
        api = undefined;
      },
      startApi: async () => {
        api = await startApi(cluster);
      },
      stopRedis: () => destroy((pod) => [pod.sentinelDir]), // the Sentinels' state is in the pods' emptyDirs
      startRedis: async () => {
        await startAll();
      },
    });
    await kubectl.start();
  }, 60_000);

  afterAll(async () => {
    await kubectl?.stop();
  });

  it('refuses to replace a journal that holds entries, with one line, and changes nothing', async () => {
    const held = (await pods.digest(cluster.pods[0]!)).split(' ')[0];
    const run = await kubectl.restoreSh([]);
    expect(run).toEqual({
      code: 1,
      output: `restore.sh: the journal in namespace journal holds ${held} entries (or could not be read): refusing to replace it (--force replaces it)\n`,
    });
    expect(changes()).toEqual([]);
  }, 30_000);

  it('checks the backup before it changes anything: one that does not restore stops it, the journal left as it was', async () => {
    // The latest backup is the truncated one of the pitfall above.
    const before = await Promise.all(cluster.pods.map((pod) => pods.digest(pod)));
    const run = await kubectl.restoreSh(['--force']);
    expect(run.code).toBe(1);
    expect(run.output).toContain("prepare.sh: restore failed: the backup's file does not match its SHA-256");
    expect(run.output.trim().split('\n').at(-1)).toBe(
      'restore.sh: the redis-restore-drill Job failed: the backup cannot be restored; nothing was changed',
    );
    // Backups paused while the drill's Job ran, and resumed: nothing else.
    expect(changes()).toEqual([
      'patch cronjob redis-backup -p {"spec":{"suspend":true}}',
      'apply -f -',
      'patch cronjob redis-backup -p {"spec":{"suspend":false}}',
    ]);
    expect(kubectl.backupsSuspended).toBe(false);
    expect(await Promise.all(cluster.pods.map((pod) => pods.digest(pod)))).toEqual(before);
    expect((await fetch(`${api!.url}/healthz/ready`)).status).toBe(200);
  }, 60_000);

  it('--force --before TIME: pauses backups, checks that backup, refuses writes, restores into fresh volumes, verifies every pod, then resumes', async () => {
    kubectl.calls.length = 0;
    const good = pods
      .backups()
      .at(-2)!
      .tags.find((tag) => tag.startsWith('taken:'))!
      .slice('taken:'.length);
    const run = await kubectl.restoreSh(['--force', '--before', good]);
    if (run.code !== 0) throw new Error(`restore.sh failed:\n${run.output}`);
    const expected = restoredDigest(run.output);
    const [count, checksum] = expected.split(' ');
    const lines = run.output.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        /^restore\.sh: checked: drill\.sh: restore drill passed: the backup of \S+ taken at \S+Z restores into a fresh Redis/,
      ),
      'restore.sh: writes refused (the API is scaled to 0, was 1) and backups paused',
      'restore.sh: Redis stopped; fresh volume data-redis-0 (10Gi)',
      expect.stringMatching(/^prepare\.sh: restored the backup of \S+ taken at \S+Z: \d+ entries/),
      `restore.sh: verified: redis-0, redis-1 and redis-2 each hold ${count} entries with checksum ${checksum}`,
      expect.stringMatching(/^restore\.sh: done: the API is back \(1 pods\) and backups resume\. prepare\.sh: restored /),
    ]);
    const looks = kubectl.calls.flatMap((call, i) => (call.includes('app.kubernetes.io/name=redis-backup') ? [i] : []));
    expect(looks).toHaveLength(2); // a backup was running at first
    expect(looks[1]).toBeLessThan(kubectl.calls.indexOf('apply -f -'));
    expect(changes()).toEqual([
      'patch cronjob redis-backup -p {"spec":{"suspend":true}}',
      'apply -f -', // the drill's Job, once the running backup ended
      'scale deployment frontend --replicas=0',
      'scale statefulset redis --replicas=0',
      'delete persistentvolumeclaim/data-redis-0 persistentvolumeclaim/data-redis-1 persistentvolumeclaim/data-redis-2 --wait=true',
      'apply -f -', // the fresh claim
      'apply -f -', // the restore Job
      'scale statefulset redis --replicas=3',
      'scale deployment frontend --replicas=1',
      'patch cronjob redis-backup -p {"spec":{"suspend":false}}',
    ]);
    expect(await cluster.primary()).toBe(cluster.pods[0]);
    for (const pod of cluster.pods) expect(await pods.digest(pod)).toBe(expected);
    expect((await fetch(`${api!.url}/healthz/ready`)).status).toBe(200);
  }, 120_000);
});
