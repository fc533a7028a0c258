import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApi } from '../failover/check.js';
import { generated, kustomizeCopy, removeScratch, render, scratch, type K8sObject } from '../kustomize/manifests.js';
import type { ApiProcess } from '../support/api.js';
import { call } from '../support/http.js';
import { freePort, waitFor } from '../support/ports.js';
import { RedisNode } from '../support/redis.js';
import { RedisCluster, type RedisPod } from '../support/sentinel.js';
import { storedEntries } from '../support/stored-entries.js';
import { BackupPods } from './scripts.js';

/**
 * Point-in-time recovery with the backup component's rendered scripts (prod): the Redis pods'
 * aof-archive sidecars ship their append-only files (every second here instead of prod's 30), and
 * the restore Job cuts them at a chosen second. Real Redis pods with their Sentinels, and the built API.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Until the clock is `seconds` whole seconds past `ms`'s second. */
const untilSecond = async (second: number) => sleep(Math.max(0, second * 1000 - Date.now()));
const secondOf = (ms: number) => Math.floor(ms / 1000);

let objects: K8sObject[];
let cluster: RedisCluster;
let pods: BackupPods;
let api: ApiProcess;
let output: () => string;

beforeAll(async () => {
  objects = render(join(kustomizeCopy(), 'overlays', 'prod')).objects;
  const password = Buffer.from(generated(objects, 'Secret', 'redis-passwd').data.passwd, 'base64').toString();
  cluster = await RedisCluster.start('sentinel', { password });
  pods = new BackupPods(objects, cluster);
  output = pods.startArchivers(1);
  api = await startApi(cluster);
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await pods?.stopArchivers();
  await cluster?.stop();
  removeScratch();
});

/** When each entry's create was sent: it was applied, and its second stamped, no earlier. */
const sentAt = new Map<string, number>();

/** Creates `count` entries, 20 at a time: id → when its 201 came. */
async function create(count: number, pause = 0): Promise<Map<string, number>> {
  const acked = new Map<string, number>();
  let next = 0;
  const writer = async () => {
    while (next < count) {
      next++;
      const sent = Date.now();
      const reply = await call(api.url, 'POST', '/api/entries', { text: `entry ${next} ✓` });
      expect(reply.status).toBe(201);
      acked.set(reply.body.id, Date.now());
      sentAt.set(reply.body.id, sent);
      await sleep(pause);
    }
  };
  await Promise.all(Array.from({ length: pause ? 1 : 20 }, writer));
  return acked;
}

/** Restores the archive at `snapshot` (SNAPSHOT of the restore Job) into a fresh folder; the ids it holds. */
async function restoreIds(snapshot: string): Promise<{ ids: Set<string>; output: string }> {
  const dataDir = join(scratch('journal-pitr-'), 'data');
  mkdirSync(dataDir);
  const run = await pods.restore(dataDir, { SNAPSHOT: snapshot });
  if (run.code !== 0) throw new Error(`the restore failed: ${run.output}`);
  const node = new RedisNode('restored', await freePort(), dataDir, ['--appendonly', 'yes', '--requirepass', cluster.password]);
  await node.start();
  try {
    return { ids: new Set(await storedEntries.ids(node)), output: run.output };
  } finally {
    await node.stop();
  }
}

/**
 * Waits until a replica's archive has shipped what was written before `second` (now, by default):
 * a shipment taken in a later second. A round takes seconds on a busy machine; returns its second.
 */
async function shipped(second = secondOf(Date.now())): Promise<number> {
  return waitFor(
    `a shipment taken after ${second}`,
    async () => {
      const newest = await pods.newestShipment();
      return newest > second ? newest : sleep(1000).then(() => undefined); // each restic start costs CPU the sidecars need
    },
    40_000,
  );
}

describe('the journal as it was at a chosen second', () => {
  let first: Map<string, number>;
  let deleted: string[];
  let after: Map<string, number>;
  let T: number;
  /** The second the last delete was acknowledged in. */
  let D: number;

  it('archives the replicas while 1,000 entries are written, 300 deleted from second T to D, then 100 more', async () => {
    first = await create(1000);
    // T: a whole second after the last of the 1,000 was acknowledged; the deletes start in it.
    T = secondOf(Math.max(...first.values())) + 2;
    await untilSecond(T);
    deleted = [...first.keys()].slice(0, 300);
    // 50 at a time: confirmed together (one WAIT per batch), they fit in the second on a busy machine.
    await Promise.all(
      Array.from({ length: 50 }, async (_, w) => {
        for (let i = w; i < deleted.length; i += 50) expect((await call(api.url, 'DELETE', `/api/entries/${deleted[i]}`)).status).toBe(204);
      }),
    );
    D = secondOf(Date.now()); // T itself, unless the machine is busy
    // 100 more, one every 30 ms: across the end of second D + 1.
    after = await create(100, 30);
    expect(Math.max(...after.values())).toBeGreaterThan((D + 2) * 1000);
    await shipped();
    // As restore.sh does: Redis, and with it the sidecars, stopped before the restore.
    await pods.stopArchivers();
    expect(output()).toMatch(/^archive\.sh: archiving .* every 1s$/m);
    expect(output()).not.toMatch(/archive failed/);
    // Retention: a replica shipped every second, and kept only the newest shipment of each segment.
    const segments = (await Promise.all(cluster.pods.map(async (pod) => ({ pod, shipments: await pods.shipments(pod) })))).flatMap(
      ({ pod, shipments }) => shipments.map(({ tags }) => `${pod.name} ${tags.find((t) => t.startsWith('segment:'))}`),
    );
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.length).toBe(new Set(segments).size);
  }, 60_000);

  it('the archive check passes after a recent shipment (and when there is no archive to check)', async () => {
    expect(await pods.archiveCheck({ ARCHIVE_MAX_AGE: '60' })).toEqual({
      code: 0,
      output: expect.stringMatching(/^archive-check\.sh: the newest shipment \(redis-[12]'s\) is \d+s old\n$/),
    });
    expect(await pods.archiveCheck({ ARCHIVE_REPOSITORY: '' })).toEqual({
      code: 0,
      output: 'archive-check.sh: no point-in-time archive (ARCHIVE_REPOSITORY is not set): nothing to check\n',
    });
  }, 30_000);

  it('restored to T - 1 s: exactly the 1,000, none of the 100', async () => {
    const { ids, output: said } = await restoreIds(`at:${T - 1}`);
    expect(said).toMatch(/^prepare\.sh: restored the archive of redis-[12] cut at \S+Z: 1000 entries, checksum [0-9a-f]{64}, verified/m);
    expect([...ids].sort()).toEqual([...first.keys()].sort());
  }, 30_000);

  it('the restore drill, which restore.sh runs before it changes anything, passes on the archive cut at T - 1 s', async () => {
    const run = await pods.drill({ SNAPSHOT: `at:${T - 1}` });
    expect(run).toEqual({
      code: 0,
      output: expect.stringMatching(
        /\ndrill\.sh: restore drill passed: the archive of redis-[12] cut at \S+Z restores into a fresh Redis with its 1000 entries, checksum [0-9a-f]{64}\n$/,
      ),
    });
  }, 30_000);

  it('restored to D + 1 s: the 700 and the later entries acknowledged by then, none sent after', async () => {
    const { ids } = await restoreIds(`at:${D + 1}`);
    const survivors = [...first.keys()].filter((id) => !deleted.includes(id));
    const by = (D + 2) * 1000; // the end of second D + 1
    const ackedBy = [...after].filter(([, at]) => at < by).map(([id]) => id);
    expect(ackedBy.length).toBeGreaterThan(0);
    expect(survivors.filter((id) => !ids.has(id))).toEqual([]);
    expect(deleted.filter((id) => ids.has(id))).toEqual([]);
    expect(ackedBy.filter((id) => !ids.has(id))).toEqual([]);
    // Sent after that second: applied, and stamped, after it.
    const laterIds = [...after.keys()].filter((id) => sentAt.get(id)! >= by);
    expect(laterIds.length).toBeGreaterThan(0);
    expect(laterIds.filter((id) => ids.has(id))).toEqual([]);
    expect(ids.size).toBeLessThan(700 + after.size);
  }, 30_000);

  it('a second no archive covers is refused with one line, before anything is written', async () => {
    const dataDir = scratch('journal-pitr-');
    const run = await pods.restore(dataDir, { SNAPSHOT: `at:${T - 3600}` });
    expect(run).toEqual({
      code: 1,
      output: expect.stringMatching(
        /^fetch\.sh: restore failed: no archive covers SNAPSHOT=at:\d+ in \S+ \(archived: redis-[12] \S+Z\.\.\S+Z;.*\)\n$/,
      ),
    });
  }, 30_000);

  it("a pod's archive that cannot be read stops the restore and the check with one line, never a choice made without it", async () => {
    const config = join(pods.archive, 'redis-1', 'config');
    const original = readFileSync(config);
    writeFileSync(config, 'damaged');
    try {
      expect(await pods.restore(scratch('journal-pitr-'), { SNAPSHOT: 'at:last' })).toEqual({
        code: 1,
        output: expect.stringMatching(/^fetch\.sh: restore failed: cannot open the archive \S+\/redis-1: .+\n$/),
      });
      expect(await pods.archiveCheck()).toEqual({
        code: 1,
        output: expect.stringMatching(/^archive-check\.sh: archive stale: cannot open the archive \S+\/redis-1: .+\n$/),
      });
    } finally {
      writeFileSync(config, original);
    }
  }, 30_000);
});

describe('an append-only rewrite while a replica ships', () => {
  it('drops a shipment the files were rewritten under, and the next round ships the new segment', async () => {
    // restic as the sidecars find it: the first backup of each pod is followed by an append-only
    // rewrite of that pod's Redis, done before the sidecar looks at the manifest again. What that
    // backup made is kept aside.
    const tools = scratch('journal-restic-');
    writeFileSync(
      join(tools, 'restic'),
      `#!/bin/sh
PATH=${process.env.PATH}
[ "$1" = backup ] && [ ! -e "${tools}/$POD_NAME.json" ] || exec restic "$@"
restic "$@" >"${tools}/$POD_NAME.json"
status=$?
cat "${tools}/$POD_NAME.json"
redis-cli -p "$LISTEN_PORT" -a "$(cat "$PASSWORD_FILE")" --no-auth-warning BGREWRITEAOF >/dev/null
while redis-cli -p "$LISTEN_PORT" -a "$(cat "$PASSWORD_FILE")" --no-auth-warning INFO persistence | grep -q '^aof_rewrite_in_progress:1'; do sleep 0.05; done
exit $status
`,
      { mode: 0o755 },
    );
    const said = pods.startArchivers(1, tools);
    const rewritten = /archive\.sh: archive failed: the append-only files were rewritten while shipped: shipped again next round/g;
    await waitFor('both replicas to drop a shipment', async () => ((said().match(rewritten) ?? []).length >= 2 ? true : undefined), 30_000);
    const replicas = cluster.pods.filter((pod) => existsSync(join(tools, `${pod.name}.json`)));
    expect(replicas).toHaveLength(2);
    // The segment each replica's rewrite began (its manifest's base file) shipped, in one shipment.
    const newSegment = async (pod: RedisPod) => {
      const manifest = readFileSync(join(pod.dataDir, 'appendonlydir', 'appendonly.aof.manifest'), 'utf8');
      const base = /^file (\S+\.base\.\S+) seq \d+ type b$/m.exec(manifest)![1];
      return (await pods.shipments(pod)).filter(({ tags }) => tags.some((tag) => tag.startsWith(`segment:${base}@`)));
    };
    await waitFor(
      'the replicas to ship their new segments',
      async () => {
        const shipped = await Promise.all(replicas.map(newSegment));
        return shipped.every((shipments) => shipments.length > 0) ? true : sleep(1000).then(() => undefined);
      },
      30_000,
    );
    await pods.stopArchivers();
    for (const pod of replicas) {
      const backup = readFileSync(join(tools, `${pod.name}.json`), 'utf8')
        .trim()
        .split('\n');
      const dropped = JSON.parse(backup.at(-1)!) as { snapshot_id: string };
      expect((await pods.shipments(pod)).map(({ id }) => id)).not.toContain(dropped.snapshot_id);
      expect(await newSegment(pod)).toHaveLength(1);
    }
  }, 90_000); // its two waits (30 s each) fail with their own message first
});

describe('the sidecar as its pod goes', () => {
  it('stops on SIGTERM between rounds at once, not after its interval', async () => {
    const said = pods.startArchivers(300);
    await waitFor('both replicas to ship', async () => ((said().match(/archiving/g) ?? []).length >= 2 ? true : undefined), 30_000);
    const stopping = Date.now();
    await pods.stopArchivers(10_000); // rejects if a sidecar needed the SIGKILL
    expect(Date.now() - stopping).toBeLessThan(10_000);
  }, 60_000);
});

describe('a whole-cluster loss', () => {
  it("prod ships at least every 30 s: with the shipment's own time, within the 60 s of the contract", () => {
    const config = generated(objects, 'ConfigMap', 'backup-config').data;
    expect(Number(config.ARCHIVE_INTERVAL)).toBeLessThanOrEqual(30);
    expect(config.ARCHIVE_REPOSITORY).toMatch(/^s3:/); // outside the cluster
  });

  // Two writers creating until the loss: id → when its 201 came.
  const acked = new Map<string, number>();
  let lostAt: number;

  it('every write acknowledged before the newest shipment is restored: what is lost is at most a shipping round', async () => {
    output = pods.startArchivers(1);
    let writing = true;
    const writers = [0, 1].map(async () => {
      while (writing) {
        const reply = await call(api.url, 'POST', '/api/entries', { text: 'before the loss' }).catch(() => undefined);
        if (reply?.status === 201) acked.set(reply.body.id, Date.now());
      }
    });
    // Until a shipment holds at least two seconds of these writes.
    const newest = await shipped(secondOf(Date.now()) + 2);
    // Everything at once: Redis, the Sentinels, the sidecars, the API's writes.
    lostAt = Date.now();
    await Promise.all([...cluster.pods.flatMap((pod) => [pod.redis.stop(), pod.sentinel.stop()]), pods.stopArchivers()]);
    writing = false;
    await Promise.all(writers);
    const { ids, output: said } = await restoreIds('at:last');
    // The newest shipment of any pod, cut at the second it was taken.
    const cut = Date.parse(/restored the archive of redis-[12] cut at (\S+Z)/.exec(said)?.[1] ?? '') / 1000;
    expect(cut).toBe(await pods.newestShipment());
    expect(cut).toBeGreaterThanOrEqual(newest);
    const before = [...acked].filter(([, at]) => at < cut * 1000);
    expect(before.length).toBeGreaterThan(50);
    expect(before.filter(([id]) => !ids.has(id))).toEqual([]);
    // Prod ships every 30 s, and a round takes seconds: the contract's 60 s. Here: every second.
    const restored = Math.max(...[...acked].filter(([id]) => ids.has(id)).map(([, at]) => at));
    console.log(`recovery point: the newest restored write was acknowledged ${lostAt - restored} ms before the loss (shipping every 1 s)`);
    // What is lost: at most the interval and a round (seconds on a busy machine), never more.
    expect(lostAt - cut * 1000).toBeLessThan(10_000);
  }, 90_000);

  it('the archive check fails, with one line, once no pod has shipped for ARCHIVE_MAX_AGE', async () => {
    await sleep(Math.max(0, lostAt + 3500 - Date.now()));
    expect(await pods.archiveCheck({ ARCHIVE_MAX_AGE: '2' })).toEqual({
      code: 1,
      output: expect.stringMatching(
        /^archive-check\.sh: archive stale: the newest shipment \(redis-[12]'s\) is \d+s old, over ARCHIVE_MAX_AGE=2s: see the aof-archive logs of the Redis pods\n$/,
      ),
    });
  }, 30_000);

  it('a journal started again on new volumes before the restore: at:last refuses it, the archive from before the loss is kept', async () => {
    // New volumes number their append-only files from 1 again: the same file names as the lost
    // pods' first segments, now holding an empty journal, shipped after them.
    for (const pod of cluster.pods) {
      pod.newVolume();
      rmSync(pod.sentinelDir, { recursive: true, force: true }); // an emptyDir: gone with the pod
      mkdirSync(pod.sentinelDir);
    }
    for (const pod of cluster.pods) await cluster.startRedis(pod);
    for (const pod of cluster.pods) await cluster.startSentinel(pod);
    await cluster.waitForReplicas();
    const archived = pods.startArchivers(1);
    await waitFor('the new replicas to ship', async () => ((archived().match(/archiving/g) ?? []).length >= 2 ? true : undefined), 20_000);
    await sleep(3000); // shipments, and their retention runs, of the empty journal

    const last = await pods.restore(scratch('journal-pitr-'), { SNAPSHOT: 'at:last' });
    const refusal =
      /^fetch\.sh: restore failed: SNAPSHOT=at:last is ambiguous: .* a journal started again after the loss, or restored since\? Choose: SNAPSHOT=at:(\d+) \(restore\.sh --at \d+\) for the earlier journal as far as it reaches, SNAPSHOT=at:\d+ \(restore\.sh --at \d+\) for the newest\n$/;
    expect(last).toEqual({ code: 1, output: expect.stringMatching(refusal) });
    // The second it names is before the loss, and restores every write acknowledged up to then.
    const reaches = Number(refusal.exec(last.output)![1]);
    expect(reaches * 1000).toBeLessThan(lostAt);
    const { ids } = await restoreIds(`at:${reaches}`);
    const before = [...acked].filter(([, at]) => at < reaches * 1000);
    expect(before.length).toBeGreaterThan(50);
    expect(before.filter(([id]) => !ids.has(id))).toEqual([]);
  }, 90_000);
});
