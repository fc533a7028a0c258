import { afterEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { kustomizeRoot } from '../kustomize/manifests.js';
import type { ApiProcess } from '../support/api.js';
import { call, expectProblem } from '../support/http.js';
import { waitFor } from '../support/ports.js';
import { MASTER_NAME, RedisCluster, type RedisPod } from '../support/sentinel.js';
import { expectNothingLost, startApi } from './check.js';
import { Load } from './load.js';

/**
 * Three Redis pods with their Sentinels (down-after 1500 ms), run from the component's scripts,
 * and the built API in Sentinel mode under continuous creates, deletes and reads, while the
 * primary is killed, hung, wiped or stopped as a rolling update would.
 */
const DOWN_AFTER_MS = 1500; // the least sentinel.sh accepts: faster failovers, shorter tests

let cluster: RedisCluster | undefined;
let api: ApiProcess | undefined;
let load: Load | undefined;

afterEach(async () => {
  // On a failure, what the pods and the API said (the test's own error says what went wrong).
  if (expect.getState().assertionCalls === 0 || process.env.FAILOVER_DEBUG) {
    console.log(
      `${cluster?.output
        .split('\n')
        .filter((l) => !/^\d+:[A-Z] .* [*#] (?!\+|-)/.test(l))
        .join('\n')}\n--- API\n${api?.output}\n--- problems\n${load?.problems.slice(0, 10).join('\n')}`,
    );
  }
  await load?.stop();
  await api?.stop();
  await cluster?.stop();
  [load, api, cluster] = [undefined, undefined, undefined];
});

async function start(): Promise<{ cluster: RedisCluster; load: Load }> {
  cluster = await RedisCluster.start('sentinel', { downAfterMs: DOWN_AFTER_MS });
  api = await startApi(cluster);
  load = new Load(api.url);
  await load.waitForWrites(Date.now(), 5000);
  return { cluster, load };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long the StatefulSet waits after a pod is Ready before it takes the next one down in a rolling update. */
const minReadySeconds = (): number =>
  (parse(readFileSync(join(kustomizeRoot, 'base', 'redis', 'statefulset.yaml'), 'utf8')) as { spec: { minReadySeconds: number } }).spec
    .minReadySeconds;

/** Until the pod is a replica that has finished its sync with the primary. */
async function waitUntilReplica(cluster: RedisCluster, pod: RedisPod, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    `${pod.name} to be a synced replica\n${pod.redis.output}`,
    async () => {
      const info = String(await cluster.command(pod, 'INFO', 'replication'));
      return info.includes('role:slave') && info.includes('master_link_status:up') ? true : undefined;
    },
    timeoutMs,
  );
}

describe('Sentinel failover under load', () => {
  it('kill -9 of the primary, 3 times: writes resume within 5 s, nothing acknowledged lost, no read fails, no request over 2.5 s', async () => {
    const { cluster, load } = await start();
    const gaps: number[] = [];
    for (let kill = 0; kill < 3; kill++) {
      const primary = await cluster.waitForReplicas();
      await sleep(500); // some load on this primary
      const killedAt = Date.now();
      await primary.redis.stop('SIGKILL');
      gaps.push(await load.waitForWrites(killedAt, 5000));
      // The pod comes back with its volume and rejoins.
      await cluster.startRedis(primary);
    }
    await sleep(500);
    await load.stop();
    console.log(`kill -9 of the primary: writes resumed after ${gaps.join(', ')} ms`);
    await expectNothingLost(cluster, load, 'kill -9 x3');
    expect(Math.max(...gaps)).toBeLessThan(5000);
    expect(load.slowest.ms).toBeLessThan(2500);
  }, 120_000);

  it('a primary restarted at once with a new volume (only lost+found) waits for the failover and rejoins as a replica: nothing lost', async () => {
    const { cluster, load } = await start();
    const primary = await cluster.waitForReplicas();
    await sleep(1000);
    const killedAt = Date.now();
    await primary.redis.stop('SIGKILL');
    primary.newVolume();
    await cluster.startRedis(primary);
    const gap = await load.waitForWrites(killedAt, 5000);
    await cluster.waitForReplicas();
    await load.stop();
    console.log(`primary restarted with a new volume: writes resumed after ${gap} ms`);
    await expectNothingLost(cluster, load, 'new volume (Sentinel)');
    expect(primary.redis.output).toContain('the Sentinels name this pod as the primary, but its data dir is empty: waiting');
    expect(await cluster.role(primary)).toBe('slave');
  }, 60_000);

  it('a primary hung (SIGSTOP) for 15 s: writes resume within down-after + 5 s, it is demoted after SIGCONT, nothing lost', async () => {
    const { cluster, load } = await start();
    const primary = await cluster.waitForReplicas();
    await sleep(500);
    const stoppedAt = Date.now();
    primary.redis.signal('SIGSTOP');
    const gap = await load.waitForWrites(stoppedAt, DOWN_AFTER_MS + 5000);
    await sleep(15_000 - (Date.now() - stoppedAt));
    primary.redis.signal('SIGCONT');
    await waitUntilReplica(cluster, primary);
    await sleep(500);
    await load.stop();
    console.log(`primary hung 15 s: writes resumed after ${gap} ms`);
    await expectNothingLost(cluster, load, 'SIGSTOP 15 s');
    expect(load.slowest.ms).toBeLessThan(2500);
  }, 60_000);

  it('a failover while the primary is still up and taking writes (SENTINEL FAILOVER, no preStop): nothing acknowledged lost', async () => {
    // As when the Sentinels wrongly judge a healthy primary down: the replica they promote stops
    // following it, while the other replica goes on confirming its writes until it is moved over.
    const { cluster, load } = await start();
    const primary = await cluster.waitForReplicas();
    await sleep(500);
    const startedAt = Date.now();
    expect(await cluster.sentinelCommand(cluster.pods[0]!, 'SENTINEL', 'FAILOVER', MASTER_NAME)).toBe('OK');
    await waitFor('the old primary to be demoted', async () => ((await cluster.role(primary)) === 'slave' ? true : undefined), 20_000);
    await cluster.waitForReplicas();
    await sleep(500);
    const gap = load.longestWriteGap(startedAt);
    await load.stop();
    console.log(`failover of a live primary: longest write gap ${gap.ms} ms`);
    await expectNothingLost(cluster, load, 'failover of a live primary');
  }, 60_000);

  it('two of the three Sentinels gone: writes get a 503 (a failover could go unheard) until they are back', async () => {
    const { cluster, load } = await start();
    await cluster.waitForReplicas();
    await load.stop();
    const gone = cluster.pods.slice(1);
    for (const pod of gone) await pod.sentinel.stop('SIGKILL');
    const create = () => call(api!.url, 'POST', '/api/entries', { text: 'while the Sentinels are away' });
    const refused = await waitFor('a create to be refused', async () => {
      const reply = await create();
      return reply.status === 503 ? reply : undefined;
    });
    expectProblem(refused, 503, 'write-not-confirmed');
    expect(refused.headers.get('retry-after')).not.toBeNull();
    await api!.waitForOutput('only 1 of the 3 Sentinels answered in the last 1000 ms');
    for (const pod of gone) await cluster.startSentinel(pod);
    await waitFor('creates to be acknowledged again', async () => ((await create()).status === 201 ? true : undefined));
  }, 60_000);

  it('two of the three Sentinels silent (SIGSTOP: no socket closes, as in a dropped-packet partition): writes refused within 2 s, back when they answer', async () => {
    const { cluster, load } = await start();
    await cluster.waitForReplicas();
    await load.stop();
    const create = () => call(api!.url, 'POST', '/api/entries', { text: 'while two Sentinels are silent' });
    expect((await create()).status).toBe(201);
    const silent = cluster.pods.slice(1);
    const silencedAt = Date.now();
    for (const pod of silent) pod.sentinel.signal('SIGSTOP');
    let refusedAfter: number;
    try {
      refusedAfter = await waitFor(
        'a create to be refused',
        async () => ((await create()).status === 503 ? Date.now() - silencedAt : undefined),
        5000,
      );
      await api!.waitForOutput('only 1 of the 3 Sentinels answered in the last 1000 ms');
    } finally {
      for (const pod of silent) pod.sentinel.signal('SIGCONT');
    }
    const answeringAt = Date.now();
    await waitFor('creates to be acknowledged again', async () => ((await create()).status === 201 ? true : undefined), 5000);
    console.log(
      `two Sentinels silent: writes refused after ${refusedAfter} ms, acknowledged again ${Date.now() - answeringAt} ms after they answered`,
    );
    expect(refusedAfter).toBeLessThan(2000);
  }, 60_000);

  it('both replicas down: creates get a 503 within 1 s and none is acknowledged', async () => {
    const { cluster, load } = await start();
    const primary = await cluster.waitForReplicas();
    await load.stop();
    const replicas = cluster.pods.filter((pod) => pod !== primary);
    for (const replica of replicas) await replica.redis.stop('SIGKILL');
    const durations: number[] = [];
    for (let n = 0; n < 5; n++) {
      const started = Date.now();
      const reply = await call(api!.url, 'POST', '/api/entries', { text: `no replica ${n}` });
      const ms = Date.now() - started;
      durations.push(ms);
      // Before the API's replica count (1 s old at most) shows them gone, the primary itself refuses
      // (min-replicas-to-write): then nothing was stored, and the storage is what is unavailable.
      expectProblem(reply, 503, ['write-not-confirmed', 'storage-unavailable']);
      expect({ retryAfter: reply.headers.get('retry-after') !== null, within1s: ms < 1000 }).toEqual({ retryAfter: true, within1s: true });
    }
    console.log(`both replicas down: creates refused with 503 after ${durations.join(', ')} ms`);
    for (const replica of replicas) await cluster.startRedis(replica);
    await cluster.waitForReplicas();
  }, 60_000);

  it('a rolling restart of all three pods (preStop handover, SIGTERM, launch): write gap under 2 s, nothing lost', async () => {
    const { cluster, load } = await start();
    await cluster.waitForReplicas();
    const startedAt = Date.now();
    const handovers: string[] = [];
    // A StatefulSet rolls from the highest ordinal down, each pod minReadySeconds after the last was Ready.
    for (const pod of [...cluster.pods].reverse()) {
      const output = await cluster.preStop(pod);
      if (/handed over/.test(output)) handovers.push(`${pod.name}: ${output.trim().split('\n').at(-1)}`);
      await pod.redis.stop('SIGTERM');
      await cluster.startRedis(pod);
      await cluster.waitForReplicas();
      await sleep(minReadySeconds() * 1000);
    }
    await sleep(500);
    const gap = load.longestWriteGap(startedAt);
    await load.stop();
    console.log(`rolling restart: longest write gap ${gap.ms} ms (after ${gap.after}); ${handovers.join('; ')}`);
    await expectNothingLost(cluster, load, 'rolling restart');
    expect(handovers).toHaveLength(1);
    expect(gap.ms).toBeLessThan(2000);
  }, 90_000);
});
