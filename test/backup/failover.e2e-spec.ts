import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { generated, kustomizeCopy, removeScratch, render, type K8sObject } from '../kustomize/manifests.js';
import { GaveUp, waitFor } from '../support/ports.js';
import { MASTER_NAME, RedisCluster, type RedisPod } from '../support/sentinel.js';
import { storedEntries } from '../support/stored-entries.js';
import { BackupPods, type Run } from './scripts.js';

/**
 * A backup taken while the replica it copies dies or is failed over is either good or reported as
 * failed, never a silent partial file. The backup component's rendered scripts (prod) run as its
 * pod runs them, against three Redis pods with their Sentinels. The copied replica is slowed down
 * (rdb-key-save-delay: its snapshot child pauses before each key) so that the copy is surely in
 * flight when it is hit.
 */
// A test's time covers its waits: a restarted pod rejoins when a Sentinel next reads it (every
// 10 s), and several times that on a machine busy with the other suites.
const REJOIN_MS = 60_000;

let objects: K8sObject[];
let cluster: RedisCluster;
let pods: BackupPods;
let entries: Map<string, string>;

beforeAll(async () => {
  objects = render(join(kustomizeCopy(), 'overlays', 'prod')).objects;
  const password = Buffer.from(generated(objects, 'Secret', 'redis-passwd').data.passwd, 'base64').toString();
  cluster = await RedisCluster.start('sentinel', { password });
  const primary = (await cluster.primary())!;
  for (let n = 0; n < 500; n++) {
    const id = `01JEFAILOVER${String(n).padStart(14, '0')}`;
    await storedEntries.put(
      { command: (name, ...args) => cluster.command(primary, name, ...args) },
      id,
      JSON.stringify({ id, text: `entry ${n} ✓` }),
    );
  }
  await cluster.command(primary, 'WAIT', 2, 5000);
  entries = await storedEntries.all({ command: (name, ...args) => cluster.command(primary, name, ...args) });
  pods = new BackupPods(objects, cluster);
  // The repository exists and holds one good backup: a failed run must add nothing to it.
  expect(await pods.backup()).toMatchObject({ code: 0 });
}, 60_000);

// Whatever a test did or where it failed, the next one starts with every pod up and at full speed.
// Speed first: a pod started again full-syncs the others, and their AOF rewrites after that sync
// would crawl with the delay still set.
afterEach(async () => {
  const running = cluster.pods.filter((pod) => pod.redis.running);
  for (const pod of running) await cluster.command(pod, 'CONFIG', 'SET', 'rdb-key-save-delay', 0);
  for (const pod of cluster.pods.filter((p) => !running.includes(p))) await cluster.startRedis(pod);
}, REJOIN_MS);

afterAll(async () => {
  await cluster?.stop();
  removeScratch();
});

/**
 * The replica snapshot.sh copies: the first one in sync, in PEERS order. Once every Sentinel sees
 * the primary up with no failover under way: one begun while the test before had the primary down
 * could still promote this replica.
 */
async function copiedReplica(): Promise<RedisPod> {
  await waitFor(
    'every Sentinel to see the primary up, with no failover under way',
    async () => {
      for (const pod of cluster.pods.filter((p) => p.sentinel.running)) {
        const fields = (await cluster.sentinelCommand(pod, 'SENTINEL', 'master', MASTER_NAME)) as string[];
        const flags = fields[fields.indexOf('flags') + 1];
        if (flags !== 'master') throw new Error(`${pod.name}'s Sentinel: ${flags}`);
      }
      return true;
    },
    REJOIN_MS,
  );
  const primary = await cluster.waitForReplicas({ caughtUp: true, timeoutMs: REJOIN_MS });
  return cluster.pods.find((pod) => pod !== primary)!;
}

/** A backup run started with `replica` slowed down; resolves once its snapshot child is copying (the run in an object: not awaited). */
async function backupInFlight(replica: RedisPod, keyDelayUs = 1_500_000): Promise<{ run: Promise<Run> }> {
  // The replica as snapshot.sh wants it (linked, no sync under way). The delay slows every snapshot
  // it starts, its own AOF rewrite too (after a full sync it rewrites, or schedules it behind another
  // child): such a rewrite would hold the backup's copy back.
  await waitFor(
    `${replica.name} to be in sync with no snapshot or AOF rewrite under way`,
    async () => {
      const info =
        String(await cluster.command(replica, 'INFO', 'replication')) + String(await cluster.command(replica, 'INFO', 'persistence'));
      const wanted = [
        'role:slave',
        'master_link_status:up',
        'master_sync_in_progress:0',
        'rdb_bgsave_in_progress:0',
        'aof_rewrite_in_progress:0',
        'aof_rewrite_scheduled:0',
      ];
      const unmet = wanted.filter((field) => !new RegExp(`^${field}\\r?$`, 'm').test(info));
      if (unmet.length > 0) throw new Error(`not yet ${unmet.join(', ')}; INFO: ${info.replace(/\r?\n/g, ' ')}`);
      return true;
    },
    REJOIN_MS,
  );
  await cluster.command(replica, 'CONFIG', 'SET', 'rdb-key-save-delay', keyDelayUs);
  let ended: Run | undefined;
  const run = pods.backup().then((result) => (ended = result));
  await waitFor(`${replica.name} to be copied`, async () => {
    if (ended) {
      const info = String(await cluster.command(replica, 'INFO', 'replication'));
      throw new GaveUp(
        `the backup ended before ${replica.name} was copied (exit ${ended.code}): ${ended.output}${replica.name} now: ${info}`,
      );
    }
    return /rdb_bgsave_in_progress:1/.test(String(await cluster.command(replica, 'INFO', 'persistence'))) ? true : undefined;
  });
  return { run };
}

/** The run failed copying the snapshot from `replica`, said so in one line, and stored nothing (`stored` backups, as before). */
function expectCopyFailed({ code, output }: Run, replica: RedisPod, stored: number): void {
  expect(code).not.toBe(0);
  expect(output).toMatch(
    new RegExp(`^snapshot\\.sh: backup failed: copying the snapshot from 127\\.0\\.0\\.1:${replica.port}: [^\\n]+\\n$`),
  );
  expect(pods.backups().length).toBe(stored);
}

describe('a backup during a failover', () => {
  it(
    'fails with one line and stores nothing when the replica being copied is killed mid-copy',
    async () => {
      const replica = await copiedReplica();
      const stored = pods.backups().length;
      const { run } = await backupInFlight(replica);
      await replica.redis.stop('SIGKILL');
      expectCopyFailed(await run, replica, stored);
    },
    REJOIN_MS + 30_000,
  );

  it(
    'fails with one line and stores nothing when the primary dies mid-copy (a failover begins)',
    async () => {
      const replica = await copiedReplica();
      const primary = (await cluster.primary())!;
      const stored = pods.backups().length;
      // A copy of about 0.5 s: it ends while the replica has lost its primary, before the Sentinels act.
      const { run } = await backupInFlight(replica, 250_000);
      await primary.redis.stop('SIGKILL');
      const { code, output } = await run;
      expect(code).not.toBe(0);
      expect(output).toBe(
        `snapshot.sh: backup failed: 127.0.0.1:${replica.port} is no longer a replica in sync (a failover during the copy?): snapshot discarded\n`,
      );
      expect(pods.backups().length).toBe(stored);
    },
    REJOIN_MS + 30_000,
  );

  it(
    'fails with one line and stores nothing when the replica being copied is promoted mid-copy',
    async () => {
      const replica = await copiedReplica();
      const primary = (await cluster.primary())!;
      const bystander = cluster.pods.find((pod) => pod !== replica && pod !== primary)!;
      // Only the copied replica may be promoted: the other one is down, and every Sentinel knows it.
      await bystander.redis.stop('SIGKILL');
      await waitFor(`the Sentinels to see ${bystander.name} as down`, async () => {
        for (const pod of cluster.pods) {
          const replicas = (await cluster.sentinelCommand(pod, 'SENTINEL', 'replicas', MASTER_NAME)) as string[][];
          const fields = replicas.find((f) => f[f.indexOf('port') + 1] === String(bystander.port));
          if (!fields || !/s_down|disconnected/.test(fields[fields.indexOf('flags') + 1]!)) return undefined;
        }
        return true;
      });
      const stored = pods.backups().length;
      const { run } = await backupInFlight(replica);
      await cluster.sentinelCommand(cluster.pods[0]!, 'SENTINEL', 'FAILOVER', MASTER_NAME);
      const result = await run;
      // The copy ends as the replica's role changes; the Sentinels agree on it as the primary a moment later.
      await waitFor(`${replica.name} to be the primary`, async () => ((await cluster.primary()) === replica ? true : undefined));
      // Redis drops its replicas (redis-cli's copy among them) when its role changes: the copy fails.
      expectCopyFailed(result, replica, stored);
    },
    REJOIN_MS + 60_000,
  );

  it(
    'afterwards, a backup from the new topology is good: the monthly drill restores it into a fresh Redis with its count and checksum',
    async () => {
      const primary = await cluster.waitForReplicas({ caughtUp: true, promotable: false, timeoutMs: REJOIN_MS });
      expect(await pods.backup()).toMatchObject({ code: 0 });
      // The journal's own count and checksum (it has not changed since it was written).
      const [count, checksum] = (await pods.digest(primary)).split(' ');
      expect(Number(count)).toBe(entries.size);
      const drill = await pods.drill();
      expect(drill.code).toBe(0);
      expect(drill.output).toMatch(
        new RegExp(
          `^prepare\\.sh: restored [^\\n]+\\ndrill\\.sh: restore drill passed: the backup of 127\\.0\\.0\\.1:\\d+ taken at \\S+Z restores into a fresh Redis with its ${count} entries, checksum ${checksum}\\n$`,
        ),
      );
    },
    REJOIN_MS + 30_000,
  );
});
