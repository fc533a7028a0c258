import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { ApiProcess } from '../support/api.js';
import { MASTER_NAME, RedisCluster, type RedisPod } from '../support/sentinel.js';
import { Load } from '../failover/load.js';
import { Network, oneWay, splitLinks, unavailable, type Link } from './harness.js';

/**
 * The built API in Sentinel mode under continuous creates, deletes and reads, while the network
 * between the pods' Redis and Sentinel processes and the API fails in pieces (silent drops, see
 * harness.ts). Per partition: what was acknowledged and then lost or undone, ids handed out twice,
 * writes refused, the longest write gap, whether the API stopped acknowledging within 2 s when it
 * is on the side without a majority of Sentinels, and how soon writes resume once the cluster has
 * settled after the heal. One table per run.
 */
/** As long as the failures were measured with: longer than Redis's min-replicas-max-lag (10 s). */
const PARTITION_MS = 12_000;
const DOWN_AFTER_MS = 1500;
/** The side without a Sentinel majority refuses writes within this. */
const MINORITY_STOPS_MS = 2000;
/** Writes resume within this once the cluster has settled after the heal. */
const RESUME_MS = 5000;

const skip = unavailable();
if (skip && process.env.CI) throw new Error(`${skip}, but CI must run them`);
if (skip) console.log(skip);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  scenario: string;
  creates: number;
  lost: number;
  deletes: number;
  undone: number;
  reused: number;
  refused: number;
  gapMs: number;
  /** Acknowledgements more than 2 s into the partition, when the API is on the minority side. */
  minorityAcks?: number;
  /** From the last heal to the cluster settled (every Sentinel names one primary, which has both replicas online). */
  settledMs: number;
  /** From the last heal to the first write sent after it acknowledged. */
  afterHealMs?: number;
  /** From the cluster settled to the first write sent after it acknowledged. */
  resumedMs?: number;
}

const rows: Row[] = [];

/** What a scenario is given: the cluster, the primary when it began, and the partition steps. */
interface Setup {
  cluster: RedisCluster;
  network: Network;
  primary: RedisPod;
  /** The two others, in pod order. */
  replicas: RedisPod[];
  /** Cuts exactly these links and proves it: the first call is the partition, later ones stages of its heal. */
  partition(links: Link[]): Promise<void>;
  /** Heals the links still cut (proved once the cluster has settled); the last step. */
  heal(): Promise<void>;
}

let network: Network | undefined;
/** Shared by the scenarios while each leaves it settled (a new one takes ~10 s: the Sentinels discover replicas slowly). */
let cluster: RedisCluster | undefined;
let settled = false;
let api: ApiProcess | undefined;
let load: Load | undefined;

async function stopCluster(): Promise<void> {
  await cluster?.stop();
  cluster = undefined;
}

(skip ? describe.skip : describe)('Network partitions (silent drops) under load', () => {
  beforeAll(() => {
    network = Network.open();
  });

  afterEach(async () => {
    network?.set([]);
    await load?.stop();
    await api?.stop();
    [load, api] = [undefined, undefined];
    // A scenario that ended before the cluster settled leaves it to no one.
    if (!settled) await stopCluster();
  });

  afterAll(async () => {
    await stopCluster();
    network?.close();
    console.log(table(rows));
  });

  /**
   * Runs one scenario on the shared cluster with a new API: `steps` partitions and heals; the API
   * is on the minority side from the first partition until the first heal when `minority`.
   */
  async function scenario(name: string, minority: boolean, steps: (setup: Setup) => Promise<void>): Promise<void> {
    const net = network!;
    cluster ??= await RedisCluster.start('sentinel', { downAfterMs: DOWN_AFTER_MS, layout: (root) => net.layout(root) });
    settled = false;
    api = await net.startApi(cluster);
    load = new Load(api.url);
    await load.waitForWrites(Date.now(), 5000);
    const primary = await cluster.waitForReplicas();
    await sleep(1000);
    let cutAt: number | undefined;
    let firstHealAt: number | undefined;
    let healedAt: number | undefined;
    let healProbe: Promise<unknown> | undefined;
    await steps({
      cluster,
      network: net,
      primary,
      replicas: cluster.pods.filter((p) => p !== primary),
      async partition(links) {
        net.set(links);
        if (cutAt === undefined) cutAt = Date.now();
        else firstHealAt ??= Date.now();
        await net.expectLinks();
      },
      async heal() {
        net.set([]);
        healedAt = Date.now();
        firstHealAt ??= healedAt;
        // Checked once the cluster has settled, so that the probe does not delay the measurement.
        healProbe = net.expectLinks().then(
          () => undefined,
          (error: unknown) => error,
        );
      },
    });
    // Settled: every Sentinel names one primary, which has both replicas online.
    await cluster.waitForReplicas({ promotable: false }).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\n${await clusterState(cluster!)}`);
    });
    const settledAt = Date.now();
    const probeError = await healProbe;
    if (probeError) throw probeError;
    const resumedMs = await load.waitForWrites(settledAt, 15_000).catch(() => undefined);
    await sleep(300);
    await load.stop();
    await cluster.waitForReplicas({ caughtUp: true });
    settled = true;
    const perPod = await Promise.all(cluster.pods.map((pod) => load!.lostOn(cluster!, pod)));
    const row: Row = {
      scenario: name,
      creates: load.created.size + load.reused.size,
      // A reused id hides a lost create: the id is there, with another entry's text.
      lost: new Set(perPod.flatMap((p) => p.lost)).size + load.reused.size,
      deletes: load.deleted.size,
      undone: new Set(perPod.flatMap((p) => p.undeleted)).size,
      reused: load.reused.size,
      refused: load.refusedWrites,
      settledMs: settledAt - healedAt!,
      afterHealMs: load.writesResumedAfter(healedAt!),
      gapMs: load.longestWriteGap(cutAt!, settledAt + (resumedMs ?? 15_000)).ms,
      minorityAcks: minority
        ? load.writes.filter((w) => w.ackedAt > cutAt! + MINORITY_STOPS_MS && w.ackedAt < firstHealAt!).length
        : undefined,
      resumedMs,
    };
    rows.push(row);
    console.log(`${name}: ${load.summary()}\n${table([row])}`);
    expect({
      lost: row.lost,
      undone: row.undone,
      reused: row.reused,
      acknowledgedByTheMinorityAfter2s: row.minorityAcks ?? 0,
      resumedWithin5sOfSettling: resumedMs !== undefined && resumedMs <= RESUME_MS,
    }).toEqual({ lost: 0, undone: 0, reused: 0, acknowledgedByTheMinorityAfter2s: 0, resumedWithin5sOfSettling: true });
  }

  /** A test of one scenario, named as its row of the table. */
  function partitionTest(name: string, minority: boolean, steps: (setup: Setup) => Promise<void>): void {
    it(name, () => scenario(name, minority, steps), 120_000);
  }

  /** One partition held for PARTITION_MS, then healed at once. */
  const hold = (links: (setup: Setup) => Link[]) => async (setup: Setup) => {
    await setup.partition(links(setup));
    await sleep(PARTITION_MS);
    await setup.heal();
  };

  partitionTest(
    "the primary's pod alone",
    false,
    hold(({ network, primary, replicas }) => splitLinks(network.pod(primary), [...replicas.flatMap((p) => network.pod(p)), network.api])),
  );

  partitionTest(
    "the primary's pod and the API, cut off from the other two pods",
    true,
    hold(({ network, primary, replicas }) =>
      splitLinks(
        [...network.pod(primary), network.api],
        replicas.flatMap((p) => network.pod(p)),
      ),
    ),
  );

  partitionTest(
    'primary + one replica + API + one Sentinel, against the other replica + two Sentinels',
    true,
    hold(({ network, primary, replicas: [r1, r2] }) =>
      splitLinks(
        [network.redis(primary), network.redis(r1!), network.api, network.sentinel(primary)],
        [network.redis(r2!), network.sentinel(r1!), network.sentinel(r2!)],
      ),
    ),
  );

  partitionTest(
    'the API cut off from every Sentinel (Redis links intact)',
    true,
    hold(({ network }) => splitLinks([network.api], network.sentinels)),
  );

  partitionTest(
    'the primary cut off from every Sentinel, linked to its replicas and the API',
    false,
    hold(({ network, primary }) => splitLinks([network.redis(primary)], network.sentinels)),
  );

  partitionTest(
    'the primary and the API cut off from every Sentinel',
    true,
    hold(({ network, primary }) => splitLinks([network.redis(primary), network.api], network.sentinels)),
  );

  partitionTest(
    "one direction only: the primary's pod sends nothing to the others (it still receives)",
    false,
    hold(({ network, primary, replicas }) => oneWay(network.pod(primary), [...replicas.flatMap((p) => network.pod(p)), network.api])),
  );

  partitionTest(
    "a heal in stages: the primary's pod and the API cut off; then the API rejoins; then one direction; then all",
    true,
    async (setup) => {
      const { network, primary, replicas } = setup;
      const others = replicas.flatMap((p) => network.pod(p));
      await setup.partition(splitLinks([...network.pod(primary), network.api], others));
      await sleep(PARTITION_MS);
      // The API reaches everything again; the old primary's pod is still cut off.
      await setup.partition(splitLinks(network.pod(primary), [...others, network.api]));
      await sleep(2000);
      // The others reach the old primary's pod; it still cannot answer them.
      await setup.partition(oneWay(network.pod(primary), [...others, network.api]));
      await sleep(2000);
      await setup.heal();
    },
  );

  partitionTest(
    "a rolling restart, the primary's Sentinel cut off from everything while its pod hands over and restarts",
    false,
    async (setup) => {
      const { cluster, network, primary } = setup;
      const isolated = network.sentinel(primary);
      // As test/failover's rolling restart: highest ordinal first, each pod's Redis through its preStop.
      for (const pod of [...cluster.pods].reverse()) {
        if (pod === primary)
          await setup.partition(
            splitLinks(
              [isolated],
              network.nodes.filter((n) => n.name !== isolated.name),
            ),
          );
        const cutAt = Date.now();
        await cluster.preStop(pod);
        await pod.redis.stop('SIGTERM');
        await cluster.startRedis(pod);
        if (pod === primary) {
          await sleep(PARTITION_MS - (Date.now() - cutAt));
          await setup.heal();
        }
        await cluster.waitForReplicas();
      }
    },
  );
});

/** Each pod's role and link, and the primary each Sentinel names: why a cluster did not settle. */
async function clusterState(cluster: RedisCluster): Promise<string> {
  const lines = await Promise.all(
    cluster.pods.map(async (pod) => {
      const info = String(await cluster.command(pod, 'INFO', 'replication').catch((e: unknown) => e));
      const fields = info.match(/^(role|master_port|master_link_status|connected_slaves|slave\d+):.*$/gm) ?? [info];
      const named = await cluster.sentinelCommand(pod, 'SENTINEL', 'get-master-addr-by-name', MASTER_NAME).catch((e: unknown) => e);
      return `${pod.name} (port ${pod.port}): ${fields.join(' ')}; its Sentinel names ${String(named)}`;
    }),
  );
  return lines.join('\n');
}

function table(rows: Row[]): string {
  const head = [
    'partition',
    'creates acked',
    'lost',
    'deletes acked',
    'undone',
    'ids reused',
    'refused (503)',
    'longest write gap',
    'minority acks after 2 s',
    'settled after heal',
    'writes after heal',
    'writes after settling',
  ];
  const lines = rows.map((r) => [
    r.scenario,
    r.creates,
    r.lost,
    r.deletes,
    r.undone,
    r.reused,
    r.refused,
    `${(r.gapMs / 1000).toFixed(1)} s`,
    r.minorityAcks ?? '-',
    `${(r.settledMs / 1000).toFixed(1)} s`,
    r.afterHealMs === undefined ? '-' : `${(r.afterHealMs / 1000).toFixed(1)} s`,
    r.resumedMs === undefined ? 'none in 15 s' : `${r.resumedMs} ms`,
  ]);
  return [head, head.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
