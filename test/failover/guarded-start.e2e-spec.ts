import { afterEach, describe, expect, it } from '@jest/globals';
import type { ApiProcess } from '../support/api.js';
import { waitFor } from '../support/ports.js';
import { RedisCluster } from '../support/sentinel.js';
import { expectNothingLost, startApi } from './check.js';
import { Load } from './load.js';

/**
 * The plain base (no Sentinel): redis-0 is the primary. When it comes back with a new volume
 * (no append-only file; only lost+found) right after a crash, its launch script must not start it
 * as an empty primary (its replicas would copy the empty data set): it copies a peer's data first,
 * then takes the primary role back.
 */
let cluster: RedisCluster | undefined;
let api: ApiProcess | undefined;
let load: Load | undefined;

afterEach(async () => {
  await load?.stop();
  await api?.stop();
  await cluster?.stop();
  [load, api, cluster] = [undefined, undefined, undefined];
});

describe('guarded start of the plain base', () => {
  it('redis-0 restarted with a new volume (only lost+found) right after kill -9: it copies a replica, is the primary again, nothing lost', async () => {
    cluster = await RedisCluster.start('plain');
    api = await startApi(cluster);
    load = new Load(api.url);
    await load.waitForWrites(Date.now(), 5000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const primary = cluster.pods[0]!;
    const killedAt = Date.now();
    await primary.redis.stop('SIGKILL');
    primary.newVolume();
    await cluster.startRedis(primary);
    const gap = await load.waitForWrites(killedAt, 15_000);
    await waitFor('redis-0 to be the primary again', async () => ((await cluster!.role(primary)) === 'master' ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await load.stop();
    console.log(`plain base, redis-0 restarted with a new volume: writes resumed after ${gap} ms`);
    await expectNothingLost(cluster, load, 'new volume (plain base)');
    expect(primary.redis.output).toContain('holds data: NOT starting as an empty primary');
    expect(primary.redis.output).toMatch(/copied the data of 127\.0\.0\.1:\d+: this pod is the primary again/);
  }, 60_000);
});
